using AgentFlow.MLNet.Models.Generation;

namespace AgentFlow.MLNet.Agent.Trajectories;

/// <summary>One call to a module's model: what it was asked, what it said, and what it cost.</summary>
/// <param name="Module">query_analysis, planner, executor, verifier or generator.</param>
/// <param name="Prompt">The full prompt sent.</param>
/// <param name="Output">The model's text.</param>
/// <param name="DurationMs">Wall time of the call.</param>
/// <param name="PromptTokens">Prompt tokens, when the client reported usage.</param>
/// <param name="CompletionTokens">Completion tokens, when the client reported usage.</param>
/// <param name="Error">
/// Why the call failed, or null. A call fails only when its client threw (a server down, a timeout, the model host
/// failing): an infrastructure failure, not a model mistake — malformed outputs are recorded in <see cref="AgentTurn.Error"/>.
/// </param>
public sealed record ModuleCall(string Module, string Prompt, string Output, double DurationMs, long? PromptTokens, long? CompletionTokens, string? Error)
{
    /// <summary>
    /// The planner's exact prompt ids, sampled ids, sampling log-probs and effective sampling settings, when its client
    /// is the local engine: the training signal (token in, token out). Kept for planner calls only, and written to JSON
    /// only by <see cref="Trajectory.ToJson(bool)"/> with tokens.
    /// </summary>
    public GeneratedSequence? Sequence { get; init; }

    /// <summary>
    /// Prompt tokens the local engine cut from the middle of this call's prompt to fit the model's context (0: none), for
    /// every module; null when the client does not say (a remote endpoint). A question longer than the context is solved
    /// on what this rule keeps: the start of the prompt and its end (see <c>LocalChatClient</c>).
    /// </summary>
    public int? PromptTokensCut { get; init; }
}
