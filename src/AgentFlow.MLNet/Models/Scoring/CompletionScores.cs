using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Scoring;

/// <summary>
/// Per completion token of a batch, padded to the longest completion: [sequences, longest completion].
/// Entries past a sequence's completion are 0 and have <see cref="Mask"/> 0.
/// </summary>
/// <param name="LogProbs">log p(token | prefix) under log_softmax(logits / T).</param>
/// <param name="Entropy">Entropy of that distribution at each token, when asked for; otherwise null.</param>
/// <param name="Mask">1 for real completion tokens, 0 for padding (float32).</param>
public sealed record CompletionScores(Tensor LogProbs, Tensor? Entropy, Tensor Mask);
