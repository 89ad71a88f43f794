using AgentFlow.MLNet.Models.Generation;

namespace AgentFlow.MLNet.Agent.Trajectories;

/// <summary>One call to a module's model: what it was asked, what it said, and what it cost.</summary>
/// <param name="Module">query_analysis, planner, executor, verifier or generator.</param>
/// <param name="Prompt">The full prompt sent.</param>
/// <param name="Output">The model's text.</param>
/// <param name="DurationMs">Wall time of the call.</param>
/// <param name="PromptTokens">Prompt tokens, when the client reported usage.</param>
/// <param name="CompletionTokens">Completion tokens, when the client reported usage.</param>
/// <param name="Error">Why the call failed (the client threw), or null.</param>
public sealed record ModuleCall(string Module, string Prompt, string Output, double DurationMs, long? PromptTokens, long? CompletionTokens, string? Error)
{
    /// <summary>The exact sampled ids and log-probs, when the client is the local engine (kept for the planner: the training signal).</summary>
    public GeneratedSequence? Sequence { get; init; }
}
