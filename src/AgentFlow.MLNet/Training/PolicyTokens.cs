using static TorchSharp.torch;

namespace AgentFlow.MLNet.Training;

/// <summary>
/// Per-token inputs of <see cref="PolicyLoss"/>, all flat float32 tensors of one length (the tokens of a chunk,
/// a micro-batch or a whole batch, in any order).
/// </summary>
/// <param name="LogProbs">log p_θ(token) under the current weights, carrying the graph the gradient flows through.</param>
/// <param name="OldLogProbs">log p_old(token) of the behaviour policy (no gradient).</param>
/// <param name="ReferenceLogProbs">log p_ref(token) of the reference policy, or null when β = 0 (no KL term).</param>
/// <param name="Advantages">The advantage each token carries (its trajectory's).</param>
/// <param name="Entropy">The policy's entropy at each token; only differentiated when the entropy coefficient is not 0.</param>
/// <param name="Weights">Each token's aggregation weight (<see cref="LossWeights"/>).</param>
public sealed record PolicyTokens(
    Tensor LogProbs,
    Tensor OldLogProbs,
    Tensor? ReferenceLogProbs,
    Tensor Advantages,
    Tensor Entropy,
    Tensor Weights);
