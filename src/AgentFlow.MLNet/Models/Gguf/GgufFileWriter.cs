using System.Text;
using AgentFlow.MLNet.IO;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// Writes a GGUF version 3 file: header, metadata, tensor infos, then each tensor's data at an offset
/// aligned to <c>general.alignment</c>. The file is streamed to a temporary sibling and renamed into place,
/// so a reader never sees a partial file.
/// </summary>
internal static class GgufFileWriter
{
    private const uint Version = 3;

    /// <summary>
    /// Writes <paramref name="metadata"/> (in order) and <paramref name="tensors"/> to <paramref name="path"/>.
    /// An <paramref name="alignment"/> other than the default 32 is recorded as <c>general.alignment</c>.
    /// </summary>
    internal static void Write(
        string path,
        IReadOnlyList<KeyValuePair<string, object>> metadata,
        IReadOnlyList<GgufTensorEntry> tensors,
        int alignment = GgufHeaderReader.DefaultAlignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
            throw new ArgumentException($"The alignment must be a positive power of two, but it is {alignment}.", nameof(alignment));
        var entries = metadata.ToList();
        if (entries.Any(e => e.Key == GgufHeaderReader.AlignmentKey))
            throw new ArgumentException($"Pass the alignment as a parameter, not as metadata '{GgufHeaderReader.AlignmentKey}'.", nameof(metadata));
        if (alignment != GgufHeaderReader.DefaultAlignment)
            entries.Add(new(GgufHeaderReader.AlignmentKey, (uint)alignment));
        if (entries.GroupBy(e => e.Key).FirstOrDefault(g => g.Count() > 1) is { } duplicateKey)
            throw new ArgumentException($"Metadata key '{duplicateKey.Key}' is given twice.", nameof(metadata));
        if (tensors.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1) is { } duplicateTensor)
            throw new ArgumentException($"Tensor '{duplicateTensor.Key}' is given twice.", nameof(tensors));

        var layouts = Plan(tensors, alignment);
        AtomicFile.Write(path, stream =>
        {
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write("GGUF"u8);
                writer.Write(Version);
                writer.Write((ulong)tensors.Count);
                writer.Write((ulong)entries.Count);
                foreach (var (key, value) in entries)
                {
                    GgufValueWriter.WriteString(writer, key);
                    GgufValueWriter.WriteTagged(writer, key, value);
                }
                foreach (var layout in layouts)
                {
                    GgufValueWriter.WriteString(writer, layout.Name);
                    writer.Write((uint)layout.Dimensions.Count);
                    foreach (long dimension in layout.Dimensions)
                        writer.Write((ulong)dimension);
                    writer.Write((uint)layout.Type);
                    writer.Write((ulong)layout.Offset);
                }
            }
            PadTo(stream, AlignUp(stream.Position, alignment));
            long dataOffset = stream.Position;
            for (int i = 0; i < tensors.Count; i++)
            {
                PadTo(stream, dataOffset + layouts[i].Offset);
                WriteData(stream, tensors[i]);
                if (stream.Position != dataOffset + layouts[i].Offset + layouts[i].ByteSize)
                    throw new InvalidOperationException($"Tensor '{tensors[i].Name}' was written as {stream.Position - dataOffset - layouts[i].Offset} bytes, not the {layouts[i].ByteSize} its info declares.");
            }
        });
    }

    private static List<GgufTensorInfo> Plan(IReadOnlyList<GgufTensorEntry> tensors, int alignment)
    {
        var layouts = new List<GgufTensorInfo>(tensors.Count);
        long offset = 0;
        foreach (var tensor in tensors)
        {
            if (!GgmlTensorCodec.IsSupported(tensor.Type))
                throw new ArgumentException($"Tensor '{tensor.Name}' cannot be written as {tensor.Type}; supported types are F32, F16, BF16 and Q8_0.", nameof(tensors));
            if (tensor.Shape.Length > GgufHeaderReader.MaxDimensions)
                throw new ArgumentException($"Tensor '{tensor.Name}' has {tensor.Shape.Length} dimensions; GGUF allows at most {GgufHeaderReader.MaxDimensions}.", nameof(tensors));
            long[] dimensions = tensor.Shape.Reverse().ToArray();
            int blockElements = GgmlTypeLayout.BlockElements(tensor.Type);
            if ((dimensions.Length == 0 ? 1 : dimensions[0]) % blockElements != 0)
                throw new ArgumentException($"Tensor '{tensor.Name}' has rows of {(dimensions.Length == 0 ? 1 : dimensions[0])} elements, not a multiple of the {tensor.Type} block size {blockElements}.", nameof(tensors));
            long byteSize = GgmlTypeLayout.ByteSize(tensor.Type, dimensions);
            layouts.Add(new GgufTensorInfo(tensor.Name, dimensions, tensor.Type, offset, byteSize));
            offset = AlignUp(offset + byteSize, alignment);
        }
        return layouts;
    }

    private static void WriteData(Stream stream, GgufTensorEntry entry)
    {
        using var scope = NewDisposeScope();
        var data = entry.Data();
        if (!data.shape.SequenceEqual(entry.Shape))
            throw new ArgumentException($"Tensor '{entry.Name}' has shape [{string.Join(", ", data.shape)}], but [{string.Join(", ", entry.Shape)}] was declared.");
        GgmlTensorCodec.Encode(stream, data, entry.Type);
    }

    private static void PadTo(Stream stream, long position)
    {
        Span<byte> zeros = stackalloc byte[256];
        zeros.Clear();
        while (stream.Position < position)
            stream.Write(zeros[..(int)Math.Min(zeros.Length, position - stream.Position)]);
    }

    private static long AlignUp(long offset, int alignment) => (offset + alignment - 1) / alignment * alignment;
}
