using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models;

/// <summary>How <c>CausalLMCheckpoint.Save</c> writes a Hugging Face model folder.</summary>
public sealed record CheckpointSaveOptions
{
    /// <summary>Dtype of the saved weights; null keeps the model's dtype. Default null. (<c>BFloat16</c> halves the size of an fp32 model.)</summary>
    public ScalarType? DType { get; init; }

    /// <summary>Largest shard in bytes before the weights are split into <c>model-0000k-of-0000n.safetensors</c> files. Default 5 GiB, as transformers uses.</summary>
    public long MaxShardBytes { get; init; } = 5L * 1024 * 1024 * 1024;
}
