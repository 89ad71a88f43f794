using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Tests.Training;

public sealed class GroupAdvantagesTests
{
    private static PlannerTurnSample Turn(int group, int trajectory, int turn, string? source = null) =>
        new(group, trajectory, turn, [1, 2], [3, 4, 5], [-1f, -1f, -1f], 0.7, source);

    /// <summary>Every sample of each (group, trajectory, turns) triple, turns numbered from 0.</summary>
    private static List<PlannerTurnSample> Turns(params (int Group, int Trajectory, int Turns)[] layout) =>
        layout.SelectMany(l => Enumerable.Range(0, l.Turns).Select(t => Turn(l.Group, l.Trajectory, t))).ToList();

    private static double AdvantageOf(AdvantageResult result, int group, int trajectory) =>
        result.Turns.Where(t => t.Sample.GroupIndex == group && t.Sample.TrajectoryIndex == trajectory).Select(t => t.Advantage).Distinct().Single();

    [Fact]
    public void TrajectoryAndTurnSampleGroupingDifferWhenTrajectoriesTakeDifferentNumbersOfTurns()
    {
        // Trajectory 0 is right after 3 turns, trajectory 1 wrong after 1.
        TrajectoryOutcome[] outcomes = [new(0, 0, 1.0, TurnCount: 3), new(0, 1, 0.0, TurnCount: 1)];
        var samples = Turns((0, 0, 3), (0, 1, 1));

        var byTrajectory = GroupAdvantages.Compute(outcomes, samples, new FlowGrpoOptions());
        var byTurn = GroupAdvantages.Compute(outcomes, samples, new FlowGrpoOptions { AdvantageGrouping = AdvantageGrouping.TurnSample });

        // Paper: rewards {1, 0}: mean 0.5, unbiased std √0.5.
        Assert.Equal(0.5 / (Math.Sqrt(0.5) + 1e-6), AdvantageOf(byTrajectory, 0, 0), 12);
        Assert.Equal(-0.5 / (Math.Sqrt(0.5) + 1e-6), AdvantageOf(byTrajectory, 0, 1), 12);
        // Reference code: turn samples {1, 1, 1, 0}: mean 0.75, unbiased std 0.5.
        Assert.Equal(0.25 / (0.5 + 1e-6), AdvantageOf(byTurn, 0, 0), 12);
        Assert.Equal(-0.75 / (0.5 + 1e-6), AdvantageOf(byTurn, 0, 1), 12);
        Assert.Equal(4, byTrajectory.Turns.Count);
        Assert.Equal(4, byTurn.Turns.Count);
    }

    [Fact]
    public void InfrastructureFailuresAreLeftOutOfTheirGroupNotScoredZero()
    {
        TrajectoryOutcome[] outcomes =
        [
            new(0, 0, 1.0), new(0, 1, 0.0), new(0, 2, 1.0),
            new(0, 3, 0.0, IsInfrastructureFailure: true),
        ];
        var samples = Turns((0, 0, 1), (0, 1, 1), (0, 2, 1), (0, 3, 2));

        var result = GroupAdvantages.Compute(outcomes, samples, new FlowGrpoOptions());

        // The group is {1, 0, 1}: mean 2/3, std √(1/3). Scoring the failure 0 would give mean 1/2 instead.
        double std = Math.Sqrt(((1 / 3.0) * (1 / 3.0) * 2 + (2 / 3.0) * (2 / 3.0)) / 2);
        Assert.Equal((1 - 2 / 3.0) / (std + 1e-6), AdvantageOf(result, 0, 0), 12);
        Assert.Equal((0 - 2 / 3.0) / (std + 1e-6), AdvantageOf(result, 0, 1), 12);
        Assert.DoesNotContain(result.Turns, t => t.Sample.TrajectoryIndex == 3);
        Assert.Equal(1, result.Statistics.InfrastructureFailures);
        Assert.Equal(3, result.Statistics.ScoredTrajectories);
        Assert.Equal(3, result.Statistics.TrainingTurns);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ANonFiniteRewardIsSkippedAndCounted(double reward)
    {
        TrajectoryOutcome[] outcomes = [new(0, 0, 1.0), new(0, 1, 0.0), new(0, 2, reward)];
        var samples = Turns((0, 0, 1), (0, 1, 1), (0, 2, 1));

        var result = GroupAdvantages.Compute(outcomes, samples, new FlowGrpoOptions());

        Assert.Equal(1, result.Statistics.NonFiniteRewards);
        Assert.Equal(0, result.Statistics.InfrastructureFailures);
        Assert.Equal(2, result.Turns.Count);
        Assert.All(result.Turns, t => Assert.True(double.IsFinite(t.Advantage)));
        Assert.Equal(0.5 / (Math.Sqrt(0.5) + 1e-6), AdvantageOf(result, 0, 0), 12);
        Assert.Equal(0.5, result.Statistics.RewardMean, 12);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AZeroVarianceGroupIsCountedAndDroppedOnlyWhenAsked(bool drop)
    {
        TrajectoryOutcome[] outcomes = [new(0, 0, 1.0), new(0, 1, 1.0), new(1, 0, 1.0), new(1, 1, 0.0), new(2, 0, 0.0)];
        var samples = Turns((0, 0, 2), (0, 1, 1), (1, 0, 1), (1, 1, 1), (2, 0, 1));

        var result = GroupAdvantages.Compute(outcomes, samples, new FlowGrpoOptions { DropZeroVarianceGroups = drop });

        // Group 0 (all 1) and group 2 (a single trajectory) carry no signal.
        Assert.Equal(2, result.Statistics.ZeroVarianceGroups);
        Assert.Equal(drop ? 2 : 0, result.Statistics.DroppedGroups);
        Assert.Equal(drop ? 2 : 6, result.Turns.Count);
        Assert.All(result.Turns.Where(t => t.Sample.GroupIndex != 1), t => Assert.Equal(0, t.Advantage));
        Assert.Equal(3, result.Statistics.Groups);
    }

    [Fact]
    public void BatchScalingUsesTheStdOfAllRewardsAndNoneOnlyCentres()
    {
        TrajectoryOutcome[] outcomes = [new(0, 0, 1.0), new(0, 1, 0.0), new(1, 0, 1.0), new(1, 1, 1.0), new(1, 2, 0.0)];
        var samples = Turns((0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1), (1, 2, 1));
        double[] all = [1, 0, 1, 1, 0];
        double batchStd = Math.Sqrt(all.Sum(r => (r - 0.6) * (r - 0.6)) / 4);

        var batch = GroupAdvantages.Compute(outcomes, samples, new FlowGrpoOptions { ScaleRewards = RewardScaling.Batch });
        var none = GroupAdvantages.Compute(outcomes, samples, new FlowGrpoOptions { ScaleRewards = RewardScaling.None });

        Assert.Equal(0.5 / (batchStd + 1e-6), AdvantageOf(batch, 0, 0), 12);
        Assert.Equal((1 - 2 / 3.0) / (batchStd + 1e-6), AdvantageOf(batch, 1, 0), 12);
        Assert.Equal(-2 / 3.0, AdvantageOf(none, 1, 2), 12);
        Assert.Equal(0.5, AdvantageOf(none, 0, 0), 12);
    }

    [Fact]
    public void StatisticsSummariseRewardsTurnsAndSources()
    {
        TrajectoryOutcome[] outcomes = [new(0, 0, 1.0, TurnCount: 3), new(0, 1, 0.0, TurnCount: 1), new(1, 0, 1.0, TurnCount: 2), new(1, 1, 1.0, TurnCount: 2)];
        PlannerTurnSample[] samples = [Turn(0, 0, 0, "math"), Turn(0, 1, 0, "math"), Turn(1, 0, 0, "search"), Turn(1, 1, 0, "search")];

        var stats = GroupAdvantages.Compute(outcomes, samples, new FlowGrpoOptions()).Statistics;

        Assert.Equal(0.75, stats.RewardMean, 12);
        Assert.Equal(Math.Sqrt(0.1875), stats.RewardStd, 12);
        Assert.Equal(2.0, stats.MeanTurns, 12);
        Assert.Equal(0.5, stats.RewardMeanBySource["math"], 12);
        Assert.Equal(1.0, stats.RewardMeanBySource["search"], 12);
    }

    [Fact]
    public void BadInputIsRejectedByName()
    {
        var options = new FlowGrpoOptions();
        Assert.Contains("repeats group 0, trajectory 0",
            Assert.Throws<ArgumentException>(() => GroupAdvantages.Compute([new(0, 0, 1), new(0, 0, 0)], [], options)).Message);
        Assert.Contains("Sample 0 belongs to group 5",
            Assert.Throws<ArgumentException>(() => GroupAdvantages.Compute([new(0, 0, 1)], [Turn(5, 0, 0)], options)).Message);
        Assert.Equal("AdvantageEpsilon",
            Assert.Throws<ArgumentOutOfRangeException>(() => GroupAdvantages.Compute([], [], options with { AdvantageEpsilon = 0 })).ParamName);
    }
}
