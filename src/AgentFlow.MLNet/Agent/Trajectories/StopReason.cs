namespace AgentFlow.MLNet.Agent.Trajectories;

/// <summary>Why the turn loop ended.</summary>
public enum StopReason
{
    /// <summary>The verifier concluded STOP.</summary>
    Verified,

    /// <summary>The turn limit was reached.</summary>
    MaxTurns,

    /// <summary>The wall-clock budget ran out.</summary>
    TimeBudget,

    /// <summary>A module's chat client failed (an infrastructure error, recorded in the trajectory).</summary>
    ModuleFailure,
}
