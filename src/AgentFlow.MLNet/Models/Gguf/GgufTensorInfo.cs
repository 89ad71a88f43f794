namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>One tensor listed in a GGUF file: where its bytes are and what they encode.</summary>
/// <param name="Name">The GGUF tensor name, e.g. <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Dimensions">GGUF dimensions, innermost (contiguous) first: the reverse of the PyTorch shape.</param>
/// <param name="Type">The element encoding.</param>
/// <param name="Offset">Byte offset of the data from the start of the file's data section.</param>
/// <param name="ByteSize">Bytes the data takes.</param>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, long Offset, long ByteSize)
{
    /// <summary>The shape in PyTorch order (outermost first), e.g. <c>[out, in]</c> for a linear weight.</summary>
    public long[] Shape => Dimensions.Reverse().ToArray();

    /// <summary>Number of elements.</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (product, dimension) => product * dimension);
}
