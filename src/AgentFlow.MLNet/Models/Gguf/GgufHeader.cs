namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>Everything in a GGUF file before its tensor data, validated against the file's length.</summary>
/// <param name="Version">Format version (2 or 3).</param>
/// <param name="Metadata">The key/value metadata.</param>
/// <param name="Tensors">The tensor infos, in file order.</param>
/// <param name="Alignment"><c>general.alignment</c>, or 32 when absent.</param>
/// <param name="DataOffset">Absolute file offset where the data section starts.</param>
internal sealed record GgufHeader(uint Version, GgufMetadata Metadata, IReadOnlyList<GgufTensorInfo> Tensors, int Alignment, long DataOffset);
