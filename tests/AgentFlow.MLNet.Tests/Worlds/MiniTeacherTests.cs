using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Parsing;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Worlds.Mini;

namespace AgentFlow.MLNet.Tests.Worlds;

/// <summary>The scripted modules and the teacher in the real agent loop, with the real search and calculator.</summary>
public sealed class MiniTeacherTests
{
    private static readonly MiniWorld World = MiniWorld.Generate(new MiniWorldOptions { Seed = 3, TrainQuestions = 120, ValidationQuestions = 12, TestQuestions = 60 });

    [Fact]
    public async Task AFlawlessTeacherAnswersEveryQuestionOfEverySplit()
    {
        var accuracy = await AccuracyAsync(new MiniTeacherOptions { PlainMistakeRate = 0, MisleadingMistakeRate = 0 }, World.Train.Concat(World.Test).ToList());

        Assert.Equal(1.0, accuracy.Plain);
        Assert.Equal(1.0, accuracy.Misleading);
    }

    [Fact]
    public async Task AWrongToolOrASkippedHopFailsTheQuestion()
    {
        // Always mistaken on misleading phrasings, never on plain ones: the mistakes are fatal, so only plain ones are right.
        var accuracy = await AccuracyAsync(new MiniTeacherOptions { PlainMistakeRate = 0, MisleadingMistakeRate = 1 }, World.Test);

        Assert.Equal(1.0, accuracy.Plain);
        Assert.Equal(0.0, accuracy.Misleading);
    }

    [Fact]
    public async Task DemonstrationsMakeMistakesAtTheStatedRates()
    {
        var (tools, index) = World.CreateTools();
        using var indexScope = index;
        var demonstrations = await MiniDemonstrations.CollectAsync(World, World.Train, tools, new MiniTeacherOptions(), runsPerQuestion: 10, seed: 4);

        // A decisive turn is a one-hop question's first step or a multi-hop question's second one.
        var decisive = demonstrations.Select(d => (Demo: d, Question: Question(d.Prompt), Step: d.Prompt.Contains("Action Step 1:", StringComparison.Ordinal) ? 1 : 0))
            .Where(d => d.Question.Family != MiniFamilies.MultiHop || d.Step == 1)
            .Select(d => (d.Question.IsMisleading, Wrong: d.Demo.Completion != MiniTeacher.RightStep(d.Question, d.Step)))
            .ToList();
        double plain = decisive.Where(d => !d.IsMisleading).Average(d => d.Wrong ? 1.0 : 0.0);
        double misleading = decisive.Where(d => d.IsMisleading).Average(d => d.Wrong ? 1.0 : 0.0);

        Assert.InRange(plain, 0.07, 0.13);
        Assert.InRange(misleading, 0.55, 0.65);
        Assert.All(demonstrations, d => Assert.True(NextStepParser.TryParse(d.Completion, out _, out _)));
        // The same seed gives the same demonstrations.
        var again = await MiniDemonstrations.CollectAsync(World, World.Train, tools, new MiniTeacherOptions(), runsPerQuestion: 10, seed: 4);
        Assert.Equal(demonstrations, again);
    }

    [Fact]
    public void ThePlannerPromptIsCompact()
    {
        var prompt = MiniPrompts.Prompts.Planner.Render(new Dictionary<string, string>
        {
            ["question"] = World.Test[0].Question,
            ["query_analysis"] = "(none)",
            ["tools"] = "",
            ["tool_names"] = "search, calculator",
            ["memory"] = "No steps have been taken yet.",
            ["turn"] = "1",
            ["max_turns"] = "2",
        });

        Assert.InRange(prompt.Length, 1, 200);
        Assert.Equal(MiniPrompts.Version, MiniPrompts.Prompts.Version);
    }

    [Fact]
    public async Task TheFrozenModulesRefuseAQuestionFromAnotherWorld()
    {
        using var modules = new MiniFrozenModules(World);
        var call = await Assert.ThrowsAsync<InvalidOperationException>(() => modules.GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "CHECK 1/2\nQ: What is love?\nNo steps have been taken yet.\n")]));
        Assert.Contains("What is love?", call.Message, StringComparison.Ordinal);
    }

    private static MiniQuestion Question(string prompt)
    {
        string text = prompt.Split('\n')[1][3..];
        Assert.True(World.TryFind(text, out var question));
        return question;
    }

    private static async Task<(double Plain, double Misleading)> AccuracyAsync(MiniTeacherOptions teacher, IReadOnlyList<MiniQuestion> questions)
    {
        var (tools, index) = World.CreateTools();
        using var indexScope = index;
        var agent = new AgentFlowAgent(AgentModules.WithPlanner(new MiniTeacher(World, teacher), new MiniFrozenModules(World)), tools, MiniAgent.Options, MiniPrompts.Prompts);
        var right = new List<(bool Misleading, bool Right)>();
        foreach (var (question, i) in questions.Select((q, i) => (q, i)))
        {
            var trajectory = await agent.SolveAsync(question.Question, (ulong)i);
            var score = await MiniScorers.For(question.Family).ScoreAsync(new ScoringRequest(trajectory.FinalAnswer, [question.Answer]));
            right.Add((question.IsMisleading, score.Score >= 1));
        }
        return (right.Where(r => !r.Misleading).Average(r => r.Right ? 1.0 : 0.0), right.Where(r => r.Misleading).Average(r => r.Right ? 1.0 : 0.0));
    }
}
