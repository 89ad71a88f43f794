using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Tests.Training;

public sealed class LossWeightsTests
{
    /// <summary>Two questions; trajectories with 1–3 turns of 1–5 tokens, so every aggregation gives a different number.</summary>
    private static readonly (int Group, int Trajectory, int Tokens)[] Layout =
    [
        (0, 0, 3), (0, 0, 1), (0, 0, 2),
        (0, 1, 5),
        (1, 0, 2), (1, 0, 4),
        (1, 1, 1),
        (1, 2, 3),
    ];

    private static List<TrainingTurn> Turns() => Layout
        .Select((l, i) => new TrainingTurn(new PlannerTurnSample(l.Group, l.Trajectory, i, [1], Enumerable.Repeat(7, l.Tokens).ToArray(), new float[l.Tokens], 1.0), 0.5))
        .ToList();

    /// <summary>Arbitrary per-token losses, one array per turn.</summary>
    private static double[][] TokenLosses()
    {
        var random = new Random(11);
        return Layout.Select(l => Enumerable.Range(0, l.Tokens).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
    }

    private static double Weighted(LossAggregation aggregation, int maxCompletionTokens = 16)
    {
        var weights = LossWeights.PerSample(Turns(), aggregation, maxCompletionTokens);
        return TokenLosses().Select((losses, i) => weights[i] * losses.Sum()).Sum();
    }

    [Fact]
    public void TokenMeanIsTheMeanOverAllTokens() =>
        Assert.Equal(TokenLosses().SelectMany(l => l).Average(), Weighted(LossAggregation.TokenMean), 12);

    [Fact]
    public void PaperNestedAveragesTokensThenTurnsThenTrajectoriesThenQuestions()
    {
        var losses = TokenLosses();
        double expected = Layout.Select((l, i) => (l, Mean: losses[i].Average()))
            .GroupBy(x => x.l.Group)
            .Select(g => g.GroupBy(x => x.l.Trajectory).Select(t => t.Average(x => x.Mean)).Average())
            .Average();

        Assert.Equal(expected, Weighted(LossAggregation.PaperNested), 12);
    }

    [Fact]
    public void RolloutMeanAveragesEachTrajectorysTokensThenTrajectories()
    {
        var losses = TokenLosses();
        double expected = Layout.Select((l, i) => (Key: (l.Group, l.Trajectory), Losses: losses[i]))
            .GroupBy(x => x.Key)
            .Select(t => t.SelectMany(x => x.Losses).Average())
            .Average();

        Assert.Equal(expected, Weighted(LossAggregation.RolloutMean), 12);
    }

    [Fact]
    public void SeqMeanTokenSumNormDividesTheTokenSumByTurnsTimesTheMaximumLength()
    {
        double expected = TokenLosses().SelectMany(l => l).Sum() / (Layout.Length * 16.0);

        Assert.Equal(expected, Weighted(LossAggregation.SeqMeanTokenSumNorm, maxCompletionTokens: 16), 12);
    }

    [Fact]
    public void TheAggregationsReallyDifferOnThisLayout()
    {
        var values = Enum.GetValues<LossAggregation>().Select(a => Weighted(a)).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
    }
}
