using AgentFlow.MLNet.Benchmarks;

namespace AgentFlow.MLNet.Tests.Benchmarks;

/// <summary>Every real row of the shipped sets, answered right and wrong the way a model writes answers.</summary>
public class ShippedBenchmarkScoringTests
{
    [Theory]
    [InlineData("bamboogle")]
    [InlineData("hotpotqa")]
    [InlineData("2wiki")]
    [InlineData("musique")]
    public async Task Question_sets_score_every_gold_alias_one_and_a_wrong_answer_zero(string name)
    {
        foreach (var item in BenchmarkLoader.Load(name).Items)
        {
            foreach (string gold in item.GoldAnswers)
            {
                var right = await item.ScoreAsync($"Searching gave the answer.\n<answer>{gold}</answer>");
                Assert.True(right.Score == 1, $"{name} pid {item.Id} '{gold}': {right.Reason}");
                var bare = await item.ScoreAsync($"  {gold.ToUpperInvariant()}.  ");
                Assert.True(bare.Score == 1, $"{name} pid {item.Id} bare '{gold}': {bare.Reason}");
            }
            var wrong = await item.ScoreAsync("<answer>The Lost City of Atlantis</answer>");
            Assert.True(wrong.Score == 0, $"{name} pid {item.Id}: {wrong.Reason}");
        }
    }

    [Theory]
    [InlineData("aime24")]
    [InlineData("amc23")]
    public async Task Math_sets_score_the_gold_number_one_in_every_answer_format_and_a_neighbour_zero(string name)
    {
        foreach (var item in BenchmarkLoader.Load(name).Items)
        {
            int gold = int.Parse(item.GoldAnswers[0], System.Globalization.CultureInfo.InvariantCulture);
            string[] rightForms = [$"<answer>{gold}</answer>", $"so the total is \\boxed{{{gold}}}.", $"work\n#### {gold}", $"<answer>{gold}.0</answer>"];
            foreach (string response in rightForms)
            {
                var right = await item.ScoreAsync(response);
                Assert.True(right.Score == 1, $"{name} pid {item.Id} '{response}': {right.Reason}");
            }
            var wrong = await item.ScoreAsync($"<answer>{gold + 1}</answer>");
            Assert.True(wrong.Score == 0, $"{name} pid {item.Id}: {wrong.Reason}");
        }
    }
}
