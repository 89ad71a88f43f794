using AgentFlow.MLNet.Agent.Parsing;

namespace AgentFlow.MLNet.Agent.Trajectories;

/// <summary>Everything that happened in one planner turn.</summary>
/// <param name="Number">1-based turn number.</param>
/// <param name="Planner">The planner's call.</param>
public sealed record AgentTurn(int Number, ModuleCall Planner)
{
    /// <summary>The parsed step, when the planner's output named a tool.</summary>
    public NextStep? Step { get; init; }

    /// <summary>The executor's call, when the step reached it.</summary>
    public ModuleCall? Executor { get; init; }

    /// <summary>The tool actually invoked (normalised name), when one was.</summary>
    public string? Tool { get; init; }

    /// <summary>The arguments passed, as JSON text.</summary>
    public string? ToolArguments { get; init; }

    /// <summary>The tool's output (as capped by the registry).</summary>
    public string? ToolOutput { get; init; }

    /// <summary>Wall time of the tool call.</summary>
    public double? ToolDurationMs { get; init; }

    /// <summary>The verifier's call, when the turn reached it.</summary>
    public ModuleCall? Verifier { get; init; }

    /// <summary>The verifier's decision.</summary>
    public Verdict? Verdict { get; init; }

    /// <summary>What went wrong in this turn (malformed output, unknown tool, tool failure, timeout), or null.</summary>
    public string? Error { get; init; }
}
