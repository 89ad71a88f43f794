using AgentFlow.MLNet.Agent.Trajectories;

namespace AgentFlow.MLNet.MLNet;

/// <summary>The values a transformer adds for one row.</summary>
internal sealed record SolvedRow(string PredictedAnswer, string TrajectoryJson, int Turns, int ToolCalls, int ToolErrors, double LatencyMs, float Reward)
{
    /// <summary>A skipped row (no question): empty answer and trajectory, nothing counted.</summary>
    internal static SolvedRow Skipped { get; } = new("", "", 0, 0, 0, 0, float.NaN);

    /// <summary>
    /// The row's values from its trajectory. A tool call is a turn whose planner named a tool; it failed when the turn
    /// recorded an error (unknown tool, malformed call, or the tool's own error).
    /// </summary>
    internal static SolvedRow From(Trajectory trajectory, float reward)
    {
        var calls = trajectory.Turns.Where(t => t.Step is not null).ToList();
        return new SolvedRow(
            trajectory.FinalAnswer,
            trajectory.ToJson(),
            trajectory.Turns.Count,
            calls.Count,
            calls.Count(t => t.Error is not null),
            trajectory.DurationMs,
            reward);
    }
}
