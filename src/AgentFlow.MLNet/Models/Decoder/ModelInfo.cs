using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>What a loaded model is and what it costs: returned by <see cref="CausalLM.Describe"/>.</summary>
/// <param name="Family"><c>llama</c> or <c>qwen2</c>.</param>
/// <param name="ParameterCount">Distinct parameters (a tied LM head is counted once).</param>
/// <param name="ParameterBytes">Memory the parameters take in their current dtype.</param>
/// <param name="DType">Compute dtype of the parameters.</param>
/// <param name="Device">Where the parameters live, e.g. <c>cpu</c> or <c>cuda:0</c>.</param>
/// <param name="ContextLength">Positions the model was trained for (<c>max_position_embeddings</c>).</param>
/// <param name="Layers">Decoder layers.</param>
/// <param name="HiddenSize">Residual width.</param>
/// <param name="AttentionHeads">Query heads.</param>
/// <param name="KeyValueHeads">Key/value heads.</param>
/// <param name="HeadDim">Dimension per head.</param>
/// <param name="VocabSize">Vocabulary rows.</param>
/// <param name="TiedEmbeddings">Whether the LM head shares the embedding matrix.</param>
public sealed record ModelInfo(
    string Family,
    long ParameterCount,
    long ParameterBytes,
    ScalarType DType,
    string Device,
    int ContextLength,
    int Layers,
    int HiddenSize,
    int AttentionHeads,
    int KeyValueHeads,
    int HeadDim,
    int VocabSize,
    bool TiedEmbeddings)
{
    /// <summary>One line for logs and the command line.</summary>
    public override string ToString() =>
        $"{Family}: {ParameterCount / 1e6:F1}M parameters ({ParameterBytes / (1024.0 * 1024.0):F1} MiB {DType} on {Device}), " +
        $"{Layers} layers, hidden {HiddenSize}, heads {AttentionHeads}/{KeyValueHeads} x {HeadDim}, vocab {VocabSize}, " +
        $"context {ContextLength}{(TiedEmbeddings ? ", tied embeddings" : "")}";
}
