using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Scoring;

/// <summary>
/// A slice of the completion tokens of a batch, flattened: what a per-token loss sees in
/// <see cref="CompletionScorer.Backward"/>. All tensors have one entry per token of the chunk.
/// </summary>
/// <param name="Sequence">Index of the sequence (in the batch) each token belongs to (int64).</param>
/// <param name="Position">Index of the token within its completion (int64).</param>
/// <param name="LogProbs">log p(token | prefix) under log_softmax(logits / T), with gradient.</param>
/// <param name="Entropy">Entropy at each token, with gradient.</param>
public sealed record TokenChunk(Tensor Sequence, Tensor Position, Tensor LogProbs, Tensor Entropy);
