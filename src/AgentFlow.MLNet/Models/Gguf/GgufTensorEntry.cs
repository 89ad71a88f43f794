using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// A tensor to be written to a GGUF file. Its data is produced only when its turn comes, so a writer
/// holds at most one derived tensor (say, a permuted projection) at a time.
/// </summary>
/// <param name="Name">The GGUF tensor name.</param>
/// <param name="Shape">PyTorch shape (outermost first); the file stores it reversed.</param>
/// <param name="Type">The encoding to store it in.</param>
/// <param name="Data">Produces the data; temporaries it creates are disposed after the tensor is written.</param>
internal sealed record GgufTensorEntry(string Name, long[] Shape, GgmlType Type, Func<Tensor> Data);
