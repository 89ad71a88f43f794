namespace AgentFlow.MLNet.Models.Generation;

/// <summary>
/// One sampled completion, token in and token out: exactly the ids the model produced and their log-probs,
/// so training never re-tokenises text.
/// </summary>
/// <param name="PromptIndex">Which prompt of the request this sample continues.</param>
/// <param name="PromptIds">The prompt's token ids.</param>
/// <param name="CompletionIds">Generated ids, including a final stop token when there is one.</param>
/// <param name="LogProbs">
/// Per completion token, log p(token) under the model's distribution at the sampling temperature,
/// log_softmax(logits / T) (T = 1 when greedy). Penalties, top-k and top-p shape which token is drawn but are not
/// part of this number, so the trainer recomputes exactly it from (prompt, completion).
/// </param>
/// <param name="FinishReason">Why the sequence ended.</param>
public sealed record GeneratedSequence(
    int PromptIndex,
    IReadOnlyList<int> PromptIds,
    IReadOnlyList<int> CompletionIds,
    IReadOnlyList<float> LogProbs,
    FinishReason FinishReason)
{
    /// <summary>
    /// The sampling settings this sequence was actually drawn with, after request options and the model's
    /// generation_config.json defaults were merged, including the seed (a fresh one when none was asked for): what a
    /// trainer must score with (<see cref="SamplingOptions.Temperature"/>) and what reproduces the sample.
    /// </summary>
    public SamplingOptions? Sampling { get; init; }

    /// <summary>Tokens cut from the middle of a prompt that did not fit the context with room to answer (0 when none).</summary>
    public int PromptTokensCut { get; init; }
}
