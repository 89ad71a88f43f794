namespace AgentFlow.MLNet.Training;

/// <summary>Which rewards form the mean and standard deviation an advantage is measured against.</summary>
public enum AdvantageGrouping
{
    /// <summary>
    /// One reward per trajectory: the question's G trajectories form the group (the paper's formula). A trajectory's
    /// advantage does not depend on how many planner turns it or the others took. The default.
    /// </summary>
    Trajectory,

    /// <summary>
    /// One reward per planner turn sample (the reference code on verl): every turn sample of the question's G rollouts
    /// carries its trajectory's reward and they form the group, so trajectories with more turns pull the mean and
    /// standard deviation towards their reward.
    /// </summary>
    TurnSample,
}
