using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models;

/// <summary>
/// The architecture and seed of a <see cref="TinyModel"/>. The defaults make a model of 427,520 parameters (1.6 MiB in
/// float32), small enough to generate from and train on a CPU.
/// </summary>
public sealed record TinyModelOptions
{
    /// <summary>Width of the residual stream (<c>hidden_size</c>). Default 128.</summary>
    public int HiddenSize { get; init; } = 128;

    /// <summary>Decoder layers (<c>num_hidden_layers</c>). Default 2.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Query heads; <see cref="HiddenSize"/> / this is the head dimension, which must be even. Default 4 (head_dim 32).</summary>
    public int AttentionHeads { get; init; } = 4;

    /// <summary>Key/value heads (grouped-query attention); must divide <see cref="AttentionHeads"/>. Default 2.</summary>
    public int KeyValueHeads { get; init; } = 2;

    /// <summary>Width of the SwiGLU MLP (<c>intermediate_size</c>). Default 384 (3 × the default hidden size).</summary>
    public int IntermediateSize { get; init; } = 384;

    /// <summary>Longest sequence, prompt plus completion (<c>max_position_embeddings</c>). Default 2048.</summary>
    public int ContextLength { get; init; } = 2048;

    /// <summary>Seed of the weight initialisation: one seed always gives the same weights. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Where the weights live. Default the CPU.</summary>
    public Device Device { get; init; } = CPU;
}
