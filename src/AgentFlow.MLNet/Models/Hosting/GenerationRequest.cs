using AgentFlow.MLNet.Models.Generation;

namespace AgentFlow.MLNet.Models.Hosting;

/// <summary>One sequence to generate through a <see cref="ModelHost"/>.</summary>
/// <param name="PromptIds">The prompt's token ids: at least one, shorter than the model's context.</param>
/// <param name="Sampling">
/// How to sample and when to stop. A null <see cref="SamplingOptions.Seed"/> gets a fresh seed, which the result
/// records (<see cref="GeneratedSequence.Sampling"/>); with a seed, the tokens depend only on it and the prompt, never
/// on the other requests decoded alongside.
/// </param>
public sealed record GenerationRequest(IReadOnlyList<int> PromptIds, SamplingOptions Sampling)
{
    /// <summary>
    /// Whether the row runs with the model's LoRA adapters (the trained planner) or with the base weights (the frozen
    /// modules, the reference policy). Rows of both kinds share one decode batch. Default true; irrelevant without adapters.
    /// </summary>
    public bool UseAdapters { get; init; } = true;

    /// <summary>
    /// Called on the host's worker after each sampled token; returning a reason ends the row there (the token stays in
    /// its completion) and frees its place. Used for streaming and stop strings. Must be quick and must not block.
    /// </summary>
    public Func<int, FinishReason?>? OnToken { get; init; }
}
