using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">Tensor name, e.g. <c>model.norm.weight</c>.</param>
/// <param name="DType">Element type as stored.</param>
/// <param name="Shape">Shape as stored.</param>
/// <param name="Offset">Absolute file offset of the first byte.</param>
/// <param name="Length">Byte length (elements × element size, checked).</param>
internal sealed record SafetensorsEntry(string Name, ScalarType DType, long[] Shape, long Offset, long Length);

/// <summary>
/// Reads a <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header mapping names to
/// dtype/shape/byte ranges, then the raw data. The header is validated against the file before any tensor is
/// allocated: sizes, ranges, dtypes and overlaps, so a truncated or hostile file fails with a message naming
/// the file and the tensor.
/// </summary>
internal sealed class SafetensorsFile
{
    /// <summary>Headers larger than this are refused (the format's reference implementation uses the same cap).</summary>
    internal const long MaxHeaderBytes = 100L * 1024 * 1024;

    private SafetensorsFile(string path, IReadOnlyDictionary<string, SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Entries = entries;
        Metadata = metadata;
    }

    internal string Path { get; }

    internal IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> string map (e.g. <c>format = pt</c>).</summary>
    internal IReadOnlyDictionary<string, string> Metadata { get; }

    internal static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported.");
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw Invalid(path, $"it is {fileLength} bytes long, shorter than the 8-byte header length");

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw Invalid(path, $"its header claims {headerLength} bytes but the file has {fileLength - 8} after the length field (limit {MaxHeaderBytes})");

        byte[] header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataStart = 8 + (long)headerLength;
        return new SafetensorsFile(path, ParseEntries(path, header, dataStart, fileLength - dataStart, out var metadata), metadata);
    }

    /// <summary>Reads one tensor into a new CPU tensor of its stored dtype.</summary>
    internal Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"'{Path}' has no tensor named '{name}'.");
        using var stream = File.OpenRead(Path);
        stream.Position = entry.Offset;
        var result = empty(entry.Shape, dtype: entry.DType);
        if (entry.Length > 0)
            result.ReadBytesFromStream(stream);
        return result;
    }

    private static Dictionary<string, SafetensorsEntry> ParseEntries(string path, byte[] header, long dataStart, long dataLength, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        // The JSON reader checks UTF-8 only when a string is read, and then throws InvalidOperationException.
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw Invalid(path, "its header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"its header is not valid JSON ({e.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Invalid(path, "its header is not a JSON object");

            var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var item in property.Value.EnumerateObject())
                            metadata[item.Name] = item.Value.ToString();
                    }
                    continue;
                }
                var entry = ParseEntry(path, property, dataStart, dataLength);
                if (!entries.TryAdd(entry.Name, entry))
                    throw Invalid(path, $"tensor '{entry.Name}' appears twice in its header");
            }

            // Byte ranges must not overlap: overlapping tensors would alias memory in a way PyTorch never writes.
            SafetensorsEntry? previous = null;
            foreach (var entry in entries.Values.Where(e => e.Length > 0).OrderBy(e => e.Offset))
            {
                if (previous is not null && entry.Offset < previous.Offset + previous.Length)
                    throw Invalid(path, $"tensors '{previous.Name}' and '{entry.Name}' overlap");
                previous = entry;
            }
            return entries;
        }
    }

    private static SafetensorsEntry ParseEntry(string path, JsonProperty property, long dataStart, long dataLength)
    {
        string name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
            throw Invalid(path, $"tensor '{name}' needs dtype (string), shape (array) and data_offsets ([begin, end])");

        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDType.TryParse(dtypeName, out var dtype))
            throw new NotSupportedException($"'{path}': tensor '{name}' has dtype {dtypeName}, which is not supported.");

        var shape = new long[shapeElement.GetArrayLength()];
        long elements = 1;
        int i = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (!dimension.TryGetInt64(out long size) || size < 0)
                throw Invalid(path, $"tensor '{name}' has an invalid dimension {dimension}");
            shape[i++] = size;
            elements = size == 0 ? 0 : (elements > long.MaxValue / size ? throw Invalid(path, $"tensor '{name}' has an impossibly large shape") : elements * size);
        }

        if (!offsetsElement[0].TryGetInt64(out long begin) || !offsetsElement[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Invalid(path, $"tensor '{name}' has invalid data_offsets {offsetsElement}");
        if (end > dataLength)
            throw Invalid(path, $"tensor '{name}' ends at data byte {end}, past the end of the data ({dataLength} bytes): the file is truncated or its header lies");
        long expected = elements * SafetensorsDType.SizeOf(dtype);
        if (end - begin != expected)
            throw Invalid(path, $"tensor '{name}' spans {end - begin} bytes but {dtypeName}[{string.Join(", ", shape)}] needs {expected}");

        return new SafetensorsEntry(name, dtype, shape, dataStart + begin, end - begin);
    }

    private static InvalidDataException Invalid(string path, string reason) => new($"'{path}' is not a valid safetensors file: {reason}.");
}
