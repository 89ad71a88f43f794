using AgentFlow.MLNet.Agent;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>The agent loop settings of the Mini world.</summary>
public static class MiniAgent
{
    /// <summary>
    /// Two turns (a right plan takes at most two steps, so a third turn would only let a planner undo its mistakes
    /// and hide them), no query analysis (the compact planner prompt has no room for one), greedy planner, and a day
    /// as the time budget: every module and tool of the world runs in this process and ends by itself, so a wall-clock
    /// budget could only cut questions short when the machine is slow or paused, making results depend on timing.
    /// </summary>
    public static AgentOptions Options { get; } = new() { MaxTurns = 2, AnalyzeQuery = false, TimeBudget = TimeSpan.FromDays(1) };
}
