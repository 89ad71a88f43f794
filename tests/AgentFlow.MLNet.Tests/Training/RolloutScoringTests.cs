using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Tests.Training;

/// <summary>How the trainer turns finished trajectories into rewards: one by one, by group, and when scoring fails.</summary>
[Collection(TorchCollection.Name)]
public sealed class RolloutScoringTests
{
    public RolloutScoringTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    private static FlowGrpoOptions Options => ToolChoiceWorld.Options(learningRate: 0) with { NumTrainEpochs = 1, NumGenerations = 6 };

    [Fact]
    public async Task AGroupJudgeSeesEachQuestionsAnswersTogetherOnce()
    {
        var alone = await TrainAsync(new ExactMatchScorer());
        var judge = new GradingJudge();
        var together = await TrainAsync(new ExactMatchScorer(), judge);

        // The same rollouts (same seeds, lr 0), graded right = 10 / wrong = 0: the same rewards as exact match.
        Assert.Equal(alone.RewardMean, together.RewardMean, 12);
        Assert.InRange(alone.RewardMean, 0.01, 0.99);
        Assert.Equal(ToolChoiceWorld.Questions.Length, judge.Groups.Count);
        Assert.All(judge.Groups, g => Assert.Equal(Options.NumGenerations, g));
    }

    [Fact]
    public async Task TrajectoriesWhoseScoringFailedAreLeftOutAndCountedNotScoredZero()
    {
        var metrics = await TrainAsync(new FailingOnWrongScorer());

        Assert.True(metrics.InfrastructureFailures > 0, "the warm start picks the wrong tool about half of the time");
        Assert.True(metrics.InfrastructureFailures < ToolChoiceWorld.Questions.Length * Options.NumGenerations);
        // Only the trajectories that could be scored count: all of them were right.
        Assert.Equal(1.0, metrics.RewardMean);
        Assert.Equal(1.0, metrics.Accuracy);
    }

    private static async Task<FlowGrpoStepMetrics> TrainAsync(IAnswerScorer scorer, IGroupAnswerScorer? groupScorer = null)
    {
        using var world = await ToolChoiceWorld.CreateAsync();
        using var trainer = new FlowGrpoTrainer(world.Host, ToolChoiceWorld.Tools(), scorer, Options, ToolChoiceWorld.Setup() with { GroupScorer = groupScorer });
        return Assert.Single(await trainer.TrainAsync(ToolChoiceWorld.Questions));
    }

    /// <summary>Grades each group's answers through the real <see cref="RelativeJudgeScorer"/>, with a judge model that knows the right answer.</summary>
    private sealed class GradingJudge : IGroupAnswerScorer
    {
        public List<int> Groups { get; } = [];

        public async ValueTask<IReadOnlyList<ScoreResult>> ScoreGroupAsync(GroupScoringRequest request, CancellationToken cancellationToken = default)
        {
            lock (Groups)
                Groups.Add(request.Responses.Count);
            var model = new ReplyingClient(prompt => string.Join('\n', prompt.Split("Candidate ").Skip(1)
                .Select(c => $"Candidate {c[..c.IndexOf(':')]}: {(c.Contains("\n| right", StringComparison.Ordinal) ? 10 : 0)}")));
            return await new RelativeJudgeScorer(model).ScoreGroupAsync(request, cancellationToken);
        }
    }

    /// <summary>A judge that is down whenever the answer is the wrong one.</summary>
    private sealed class FailingOnWrongScorer : IAnswerScorer
    {
        public ValueTask<ScoreResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default) =>
            request.Response.Contains("wrong", StringComparison.Ordinal)
                ? throw new HttpRequestException("judge unavailable")
                : ValueTask.FromResult(ScoreResult.Correct("right", "right"));
    }
}
