namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// How many elements one block of each <see cref="GgmlType"/> holds and how many bytes it takes, as in
/// ggml's type traits (gguf-py <c>GGML_QUANT_SIZES</c>). The reader needs this for every type, decodable
/// or not, to check that a tensor's bytes lie inside the file.
/// </summary>
internal static class GgmlTypeLayout
{
    private const int SuperBlock = 256;

    private static readonly Dictionary<GgmlType, (int BlockElements, int BlockBytes)> Layouts = new()
    {
        [GgmlType.F32] = (1, 4),
        [GgmlType.F16] = (1, 2),
        [GgmlType.Q4_0] = (32, 2 + 16),
        [GgmlType.Q4_1] = (32, 2 + 2 + 16),
        [GgmlType.Q5_0] = (32, 2 + 4 + 16),
        [GgmlType.Q5_1] = (32, 2 + 2 + 4 + 16),
        [GgmlType.Q8_0] = (32, 2 + 32),
        [GgmlType.Q8_1] = (32, 2 + 2 + 32),
        [GgmlType.Q2_K] = (SuperBlock, 2 + 2 + SuperBlock / 16 + SuperBlock / 4),
        [GgmlType.Q3_K] = (SuperBlock, 2 + SuperBlock / 4 + SuperBlock / 8 + 12),
        [GgmlType.Q4_K] = (SuperBlock, 2 + 2 + SuperBlock / 2 + 12),
        [GgmlType.Q5_K] = (SuperBlock, 2 + 2 + SuperBlock / 2 + SuperBlock / 8 + 12),
        [GgmlType.Q6_K] = (SuperBlock, 2 + SuperBlock / 2 + SuperBlock / 4 + SuperBlock / 16),
        [GgmlType.Q8_K] = (SuperBlock, 4 + SuperBlock + SuperBlock / 8),
        [GgmlType.IQ2_XXS] = (SuperBlock, 2 + SuperBlock / 4),
        [GgmlType.IQ2_XS] = (SuperBlock, 2 + SuperBlock / 4 + SuperBlock / 32),
        [GgmlType.IQ3_XXS] = (SuperBlock, 2 + SuperBlock / 4 + SuperBlock / 8),
        [GgmlType.IQ1_S] = (SuperBlock, 2 + SuperBlock / 8 + SuperBlock / 16),
        [GgmlType.IQ4_NL] = (32, 2 + 16),
        [GgmlType.IQ3_S] = (SuperBlock, 2 + SuperBlock / 4 + SuperBlock / 8 + SuperBlock / 32 + 4),
        [GgmlType.IQ2_S] = (SuperBlock, 2 + SuperBlock / 4 + SuperBlock / 16),
        [GgmlType.IQ4_XS] = (SuperBlock, 2 + 2 + SuperBlock / 2 + SuperBlock / 64),
        [GgmlType.I8] = (1, 1),
        [GgmlType.I16] = (1, 2),
        [GgmlType.I32] = (1, 4),
        [GgmlType.I64] = (1, 8),
        [GgmlType.F64] = (1, 8),
        [GgmlType.IQ1_M] = (SuperBlock, SuperBlock / 8 + SuperBlock / 16 + SuperBlock / 32),
        [GgmlType.BF16] = (1, 2),
        [GgmlType.TQ1_0] = (SuperBlock, 2 + 4 * 13),
        [GgmlType.TQ2_0] = (SuperBlock, 2 + 64),
        [GgmlType.MXFP4] = (32, 1 + 16),
        [GgmlType.NVFP4] = (64, 4 + 32),
        [GgmlType.Q1_0] = (128, 2 + 16),
    };

    /// <summary>Whether this reader knows the size of <paramref name="type"/>.</summary>
    internal static bool IsKnown(GgmlType type) => Layouts.ContainsKey(type);

    /// <summary>Elements per block of a known type.</summary>
    internal static int BlockElements(GgmlType type) => Layouts[type].BlockElements;

    /// <summary>
    /// Bytes taken by a tensor of <paramref name="type"/> with GGUF dimensions <paramref name="dimensions"/>
    /// (innermost first). The innermost dimension must be a whole number of blocks.
    /// </summary>
    /// <exception cref="OverflowException">The size does not fit in 64 bits.</exception>
    internal static long ByteSize(GgmlType type, IReadOnlyList<long> dimensions)
    {
        var (blockElements, blockBytes) = Layouts[type];
        long rowBlocks = dimensions.Count == 0 ? 1 : dimensions[0] / blockElements;
        long size = checked(rowBlocks * blockBytes);
        for (int i = 1; i < dimensions.Count; i++)
            size = checked(size * dimensions[i]);
        return size;
    }
}
