namespace AgentFlow.MLNet.Agent.Parsing;

/// <summary>The verifier's decision after a turn.</summary>
/// <param name="Stop">True when the memory is judged sufficient to answer.</param>
/// <param name="Analysis">The verifier's reasoning (its text before the conclusion).</param>
/// <param name="Problem">Set when no conclusion could be read (the loop then continues).</param>
public sealed record Verdict(bool Stop, string Analysis, string? Problem);
