namespace AgentFlow.MLNet.Models.Scoring;

/// <summary>A prompt and a completion whose tokens are to be scored (the completion's tokens only).</summary>
/// <param name="PromptIds">Context tokens; at least one.</param>
/// <param name="CompletionIds">Tokens whose log-probs are wanted; at least one.</param>
public sealed record ScoredSequence(IReadOnlyList<int> PromptIds, IReadOnlyList<int> CompletionIds);
