namespace AgentFlow.MLNet.Training;

/// <summary>How one trajectory ended: its outcome reward, or that it never produced one through no fault of the policy.</summary>
/// <param name="GroupIndex">The question's index in the training step.</param>
/// <param name="TrajectoryIndex">The trajectory's index within its group, 0 … G − 1.</param>
/// <param name="Reward">
/// The trajectory's reward (e.g. 1 for a correct final answer, 0 otherwise). A NaN or infinite reward is not trusted:
/// the trajectory is left out of its group and counted.
/// </param>
/// <param name="IsInfrastructureFailure">
/// True when the trajectory failed for reasons outside the policy (a tool host down, a timeout of the judge): it is
/// left out of its group and counted, never scored 0, which would punish the planner for the infrastructure.
/// </param>
/// <param name="TurnCount">Planner turns the trajectory took, for the mean-turns metric.</param>
public sealed record TrajectoryOutcome(
    int GroupIndex,
    int TrajectoryIndex,
    double Reward,
    bool IsInfrastructureFailure = false,
    int TurnCount = 0);
