using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models;

/// <summary>How a checkpoint is placed in memory when it is loaded.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Compute dtype of the loaded parameters, whatever the file stores. Default <see cref="ScalarType.Float32"/> (the fast, exact choice on CPU).</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>Device to load onto. Default the CPU.</summary>
    public Device Device { get; init; } = CPU;
}
