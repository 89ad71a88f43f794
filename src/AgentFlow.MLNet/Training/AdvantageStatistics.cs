namespace AgentFlow.MLNet.Training;

/// <summary>What <see cref="GroupAdvantages.Compute"/> saw and did with one training step's outcomes.</summary>
/// <param name="Groups">Questions with at least one outcome.</param>
/// <param name="ScoredTrajectories">Trajectories with a finite reward and no infrastructure failure: the ones advantages are computed from.</param>
/// <param name="InfrastructureFailures">Trajectories left out of their group because they failed for infrastructure reasons.</param>
/// <param name="NonFiniteRewards">Trajectories left out of their group because their reward was NaN or infinite.</param>
/// <param name="ZeroVarianceGroups">Groups whose scored rewards were all equal (including groups with a single scored trajectory): no learning signal.</param>
/// <param name="DroppedGroups">Zero-variance groups removed from the training batch (<see cref="FlowGrpoOptions.DropZeroVarianceGroups"/>).</param>
/// <param name="RewardMean">Mean reward over scored trajectories; NaN when there are none.</param>
/// <param name="RewardStd">Population standard deviation of those rewards; NaN when there are none.</param>
/// <param name="MeanTurns">Mean <see cref="TrajectoryOutcome.TurnCount"/> over scored trajectories; NaN when there are none.</param>
/// <param name="RewardMeanBySource">Mean reward of scored trajectories per <see cref="PlannerTurnSample.Source"/> (trajectories without samples or source are not listed).</param>
/// <param name="TrainingTurns">Turn samples kept for training.</param>
public sealed record AdvantageStatistics(
    int Groups,
    int ScoredTrajectories,
    int InfrastructureFailures,
    int NonFiniteRewards,
    int ZeroVarianceGroups,
    int DroppedGroups,
    double RewardMean,
    double RewardStd,
    double MeanTurns,
    IReadOnlyDictionary<string, double> RewardMeanBySource,
    int TrainingTurns);
