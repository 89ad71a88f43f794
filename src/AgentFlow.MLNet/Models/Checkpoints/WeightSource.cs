using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Checkpoints;

/// <summary>A named weight available from some file: its shape (known before reading), where it comes from, and how to read it.</summary>
/// <param name="Shape">Shape in PyTorch order.</param>
/// <param name="Origin">The file it lives in, for error messages.</param>
/// <param name="Read">Produces the tensor; the caller disposes it.</param>
internal sealed record WeightSource(long[] Shape, string Origin, Func<Tensor> Read);
