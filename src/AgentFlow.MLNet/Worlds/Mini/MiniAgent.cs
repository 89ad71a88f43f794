using AgentFlow.MLNet.Agent;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>The agent loop settings of the Mini world.</summary>
public static class MiniAgent
{
    /// <summary>
    /// Two turns (a right plan takes at most two steps, so a third turn would only let a planner undo its mistakes
    /// and hide them), no query analysis (the compact planner prompt has no room for one), greedy planner.
    /// </summary>
    public static AgentOptions Options { get; } = new() { MaxTurns = 2, AnalyzeQuery = false };
}
