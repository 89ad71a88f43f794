using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Worlds.Mini;

namespace AgentFlow.MLNet.Tests.Worlds;

public sealed partial class MiniWorldTests
{
    private static readonly MiniWorld World = MiniWorld.Generate(new MiniWorldOptions { Seed = 7 });

    [Fact]
    public void TheSameSeedGivesTheSameWorldAndAnotherSeedAnother()
    {
        var again = MiniWorld.Generate(new MiniWorldOptions { Seed = 7 });
        var other = MiniWorld.Generate(new MiniWorldOptions { Seed = 8 });

        Assert.Equal(Describe(World), Describe(again));
        Assert.NotEqual(Describe(World), Describe(other));
    }

    [Fact]
    public void TheSplitsShareNoEntityNumberPairOrQuestion()
    {
        var splits = new[] { World.Train, World.Validation, World.Test };
        var entities = splits.Select(s => s.Where(q => q.Entity is not null).Select(q => q.Entity!.Name).ToHashSet()).ToList();
        var pairs = splits.Select(s => s.Where(q => q.Family == MiniFamilies.Math).Select(q => q.Calculation).ToHashSet()).ToList();
        var questions = splits.Select(s => s.Select(q => q.Question).ToHashSet()).ToList();

        for (int a = 0; a < splits.Length; a++)
        {
            for (int b = a + 1; b < splits.Length; b++)
            {
                Assert.Empty(entities[a].Intersect(entities[b]));
                Assert.Empty(pairs[a].Intersect(pairs[b]));
                Assert.Empty(questions[a].Intersect(questions[b]));
            }
        }
        // Within a split too: every question has an entity and a number pair of its own.
        Assert.Equal(splits.Sum(s => s.Count(q => q.Entity is not null)), entities.Sum(e => e.Count));
        Assert.Equal(World.Entities.Count, World.Entities.Select(e => e.Name).Distinct().Count());
        // No test entity's name appears anywhere in a training question.
        Assert.DoesNotContain(World.Train, q => entities[2].Any(name => q.Question.Contains(name, StringComparison.Ordinal)));
    }

    [Fact]
    public void EverySplitHoldsTheFamiliesAndPhrasingsInEqualShares()
    {
        foreach (var split in new[] { World.Train, World.Validation, World.Test })
        {
            foreach (string family in MiniFamilies.All)
            {
                var rows = split.Where(q => q.Family == family).ToList();
                Assert.Equal(split.Count / 3, rows.Count);
                Assert.Equal(rows.Count / 2, rows.Count(q => q.IsMisleading));
            }
        }
        Assert.All(MiniWorld.Examples(World.Test), row => Assert.Contains(row.Source, MiniFamilies.All));
    }

    /// <summary>The gold answers, recomputed from the question text and the encyclopedia entry alone.</summary>
    [Fact]
    public void GoldAnswersFollowFromTheQuestionAndTheEncyclopedia()
    {
        var entries = World.Documents.ToDictionary(d => d.Title, d => long.Parse(LastNumber().Match(d.Text).Value, CultureInfo.InvariantCulture));
        foreach (var question in World.Train.Concat(World.Validation).Concat(World.Test))
        {
            var numbers = Numbers().Matches(question.Question).Select(m => long.Parse(m.Value, CultureInfo.InvariantCulture)).ToList();
            long? fact = question.Entity is { } entity ? entries[entity.Name] : null;
            long expected = question.Family switch
            {
                MiniFamilies.Search => fact!.Value,
                MiniFamilies.Math => numbers[0] * numbers[1],
                _ => question.Question.Contains(" plus ", StringComparison.Ordinal) ? fact!.Value + numbers.Single() : fact!.Value * numbers.Single(),
            };
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), question.Answer);
        }
    }

    [Fact]
    public async Task ASearchForAnEntityFindsItsOwnEntryFirst()
    {
        var (tools, index) = World.CreateTools();
        using (index)
        {
            foreach (var entity in World.Entities)
            {
                var result = await tools.InvokeAsync("search", JsonSerializer.Serialize(new { query = entity.Name }));
                Assert.True(result.Succeeded, result.Error);
                Assert.Contains(entity.ToDocument().Text, result.Output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void EachFamilyHasItsScorer()
    {
        Assert.IsType<ExactMatchScorer>(MiniScorers.For(MiniFamilies.Search));
        Assert.IsType<NumericScorer>(MiniScorers.For(MiniFamilies.Math));
        Assert.IsType<NumericScorer>(MiniScorers.For(MiniFamilies.MultiHop));
        Assert.Contains("poetry", Assert.Throws<ArgumentException>(() => MiniScorers.For("poetry")).Message, StringComparison.Ordinal);
        Assert.All(World.Test.Select(q => q.ToExample()), row => Assert.Same(MiniScorers.For(row.Source!), row.Scorer));
    }

    [Fact]
    public void OptionsOutOfRangeAreNamed()
    {
        Assert.Equal("TrainQuestions", Assert.Throws<ArgumentOutOfRangeException>(() => MiniWorld.Generate(new MiniWorldOptions { TrainQuestions = 0 })).ParamName);
        Assert.Equal("Seed", Assert.Throws<ArgumentOutOfRangeException>(() => MiniWorld.Generate(new MiniWorldOptions { Seed = -1 })).ParamName);
    }

    private static string Describe(MiniWorld world) =>
        string.Join("\n", world.Entities.Select(e => e.ToDocument().Text)
            .Concat(new[] { world.Train, world.Validation, world.Test }.SelectMany(s => s.Select(q => $"{q.Question} = {q.Answer} [{q.Family}]"))));

    [GeneratedRegex(@"\d+(?=\.$)")]
    private static partial Regex LastNumber();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Numbers();
}
