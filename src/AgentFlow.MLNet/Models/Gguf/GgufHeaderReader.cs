using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// Parses the header, metadata and tensor infos of a GGUF file (little-endian, version 2 or 3). Every
/// length, count, offset and size is checked against the bytes left in the file before anything is
/// allocated or read, so a corrupt or hostile file fails with an <see cref="InvalidDataException"/>
/// naming the file and the item instead of exhausting memory.
/// </summary>
internal sealed class GgufHeaderReader
{
    internal const int DefaultAlignment = 32;
    internal const string AlignmentKey = "general.alignment";
    internal const int MaxDimensions = 4;

    // A nested array costs 12 bytes, so without a limit a small file could recurse deep enough to
    // overflow the stack. Real files nest at most once.
    private const int MaxArrayNesting = 8;

    private readonly Stream _stream;
    private readonly string _path;
    private readonly long _length;

    private GgufHeaderReader(Stream stream, string path)
    {
        _stream = stream;
        _path = path;
        _length = stream.Length;
    }

    private long Remaining => _length - _stream.Position;

    /// <summary>Reads the header of the GGUF file open in <paramref name="stream"/> (positioned at its start).</summary>
    internal static GgufHeader Read(Stream stream, string path) => new GgufHeaderReader(stream, path).Read();

    private GgufHeader Read()
    {
        uint version = ReadPreamble();
        ulong tensorCount = ReadUInt64("the tensor count");
        ulong entryCount = ReadUInt64("the metadata entry count");
        // Smallest possible entry: key length (8), type (4), a one-byte value. Smallest tensor info:
        // name length (8), dimension count (4), type (4), offset (8).
        CheckCount(entryCount, 8 + 4 + 1, "metadata entries");
        CheckCount(tensorCount, 8 + 4 + 4 + 8, "tensor infos");

        var metadata = new GgufMetadata(ReadMetadata((int)entryCount), _path);
        int alignment = ReadAlignment(metadata);
        var tensors = ReadTensorInfos((int)tensorCount, alignment);
        long dataOffset = AlignUp(_stream.Position, alignment);
        foreach (var tensor in tensors)
        {
            long available = _length - dataOffset;
            if (tensor.Offset > available || tensor.ByteSize > available - tensor.Offset)
            {
                throw Invalid($"tensor '{tensor.Name}' ({tensor.ByteSize} bytes at data offset {tensor.Offset}, file offset " +
                    $"{dataOffset + tensor.Offset}) ends beyond the end of the file at {_length}; the file is truncated or corrupt.");
            }
        }
        return new GgufHeader(version, metadata, tensors, alignment, dataOffset);
    }

    private uint ReadPreamble()
    {
        if (_length < 8)
            throw Invalid($"it is {_length} bytes long, too short for a GGUF header.");
        Span<byte> magic = stackalloc byte[4];
        _stream.ReadExactly(magic);
        if (!magic.SequenceEqual("GGUF"u8))
            throw Invalid($"it does not start with the GGUF magic (found bytes {Convert.ToHexString(magic)}, expected 47475546 = 'GGUF').");
        uint version = ReadUInt32("the version");
        switch (version)
        {
            case 2 or 3:
                return version;
            case 1:
                throw new NotSupportedException($"'{_path}' is GGUF version 1, which predates 64-bit counts and is not supported; convert the model again with a current llama.cpp (versions 2 and 3 are read).");
            case 0:
                throw Invalid("its GGUF version is 0.");
            case > 0xFFFF when (version & 0xFFFF) == 0:
                throw new NotSupportedException($"'{_path}' appears to be a big-endian GGUF file (version field {version:X8}); only little-endian files are supported.");
            default:
                throw new NotSupportedException($"'{_path}' is GGUF version {version}; this reader supports versions 2 and 3.");
        }
    }

    private Dictionary<string, object> ReadMetadata(int count)
    {
        // Collections grow as entries are actually read: a count is only a claim until then.
        var values = new Dictionary<string, object>(Math.Min(count, InitialCapacity), StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string key = ReadString($"the key of metadata entry {i}");
            var type = (GgufValueType)ReadUInt32($"the value type of metadata '{key}'");
            object value = ReadValue(type, $"metadata '{key}'", depth: 0);
            if (!values.TryAdd(key, value))
                throw Invalid($"metadata key '{key}' appears twice.");
        }
        return values;
    }

    private int ReadAlignment(GgufMetadata metadata)
    {
        if (!metadata.TryGetValue(AlignmentKey, out object? value))
            return DefaultAlignment;
        if (value is not uint alignment || alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 1 << 30)
            throw Invalid($"{AlignmentKey} must be a uint32 power of two, but it is {value} ({value.GetType().Name}).");
        return (int)alignment;
    }

    private List<GgufTensorInfo> ReadTensorInfos(int count, int alignment)
    {
        var tensors = new List<GgufTensorInfo>(Math.Min(count, InitialCapacity));
        var names = new HashSet<string>(Math.Min(count, InitialCapacity), StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string name = ReadString($"the name of tensor {i}");
            uint dimensionCount = ReadUInt32($"the dimension count of tensor '{name}'");
            if (dimensionCount > MaxDimensions)
                throw Invalid($"tensor '{name}' has {dimensionCount} dimensions; GGUF allows at most {MaxDimensions}.");
            var dimensions = new long[dimensionCount];
            for (int d = 0; d < dimensions.Length; d++)
            {
                ulong dimension = ReadUInt64($"dimension {d} of tensor '{name}'");
                if (dimension > long.MaxValue)
                    throw Invalid($"dimension {d} of tensor '{name}' is {dimension}, which is negative as a ggml int64.");
                dimensions[d] = (long)dimension;
            }
            uint typeId = ReadUInt32($"the type of tensor '{name}'");
            ulong offset = ReadUInt64($"the data offset of tensor '{name}'");

            var type = (GgmlType)typeId;
            if (!GgmlTypeLayout.IsKnown(type))
                throw new NotSupportedException($"'{_path}': tensor '{name}' has ggml type id {typeId}, which this reader does not know (a newer llama.cpp type?).");
            int blockElements = GgmlTypeLayout.BlockElements(type);
            long innermost = dimensions.Length == 0 ? 1 : dimensions[0];
            if (innermost % blockElements != 0)
                throw Invalid($"tensor '{name}' of type {type} has rows of {innermost} elements, not a multiple of its block size {blockElements}.");
            long byteSize;
            try
            {
                // The element count must fit as well: quantised types take fewer bytes than elements.
                _ = dimensions.Aggregate(1L, (product, dimension) => checked(product * dimension));
                byteSize = GgmlTypeLayout.ByteSize(type, dimensions);
            }
            catch (OverflowException)
            {
                throw Invalid($"tensor '{name}' has dimensions [{string.Join(", ", dimensions)}], whose size overflows 64 bits.");
            }
            if (offset > long.MaxValue || (long)offset % alignment != 0)
                throw Invalid($"tensor '{name}' has data offset {offset}, which is not a multiple of the alignment {alignment}.");
            if (!names.Add(name))
                throw Invalid($"tensor '{name}' is listed twice.");
            tensors.Add(new GgufTensorInfo(name, dimensions, type, (long)offset, byteSize));
        }
        return tensors;
    }

    private object ReadValue(GgufValueType type, string item, int depth) => type switch
    {
        GgufValueType.UInt8 => ReadScalar(1, item, span => span[0]),
        GgufValueType.Int8 => ReadScalar(1, item, span => (sbyte)span[0]),
        GgufValueType.UInt16 => ReadScalar(2, item, BinaryPrimitives.ReadUInt16LittleEndian),
        GgufValueType.Int16 => ReadScalar(2, item, BinaryPrimitives.ReadInt16LittleEndian),
        GgufValueType.UInt32 => ReadScalar(4, item, BinaryPrimitives.ReadUInt32LittleEndian),
        GgufValueType.Int32 => ReadScalar(4, item, BinaryPrimitives.ReadInt32LittleEndian),
        GgufValueType.Float32 => ReadScalar(4, item, BinaryPrimitives.ReadSingleLittleEndian),
        GgufValueType.Bool => ReadScalar(1, item, span => ToBool(span[0], item)),
        GgufValueType.String => ReadString(item),
        GgufValueType.Array => ReadArray(item, depth),
        GgufValueType.UInt64 => ReadScalar(8, item, BinaryPrimitives.ReadUInt64LittleEndian),
        GgufValueType.Int64 => ReadScalar(8, item, BinaryPrimitives.ReadInt64LittleEndian),
        GgufValueType.Float64 => ReadScalar(8, item, BinaryPrimitives.ReadDoubleLittleEndian),
        _ => throw Invalid($"{item} has unknown value type {(uint)type}."),
    };

    private Array ReadArray(string item, int depth)
    {
        if (depth >= MaxArrayNesting)
            throw Invalid($"{item} nests arrays more than {MaxArrayNesting} deep.");
        var elementType = (GgufValueType)ReadUInt32($"the element type of {item}");
        ulong count = ReadUInt64($"the length of {item}");
        int minimumSize = elementType switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
            GgufValueType.Array => 4 + 8,
            _ => throw Invalid($"{item} is an array of unknown value type {(uint)elementType}."),
        };
        if (count > (ulong)(Remaining / minimumSize) || count > (ulong)Array.MaxLength)
        {
            throw Invalid($"{item} claims {count} items of {elementType} at offset {_stream.Position}, " +
                $"more than the {Remaining} bytes left in the file can hold.");
        }
        int length = (int)count;
        switch (elementType)
        {
            case GgufValueType.UInt8: return ReadNumbers<byte>(length);
            case GgufValueType.Int8: return ReadNumbers<sbyte>(length);
            case GgufValueType.UInt16: return ReadNumbers<ushort>(length);
            case GgufValueType.Int16: return ReadNumbers<short>(length);
            case GgufValueType.UInt32: return ReadNumbers<uint>(length);
            case GgufValueType.Int32: return ReadNumbers<int>(length);
            case GgufValueType.Float32: return ReadNumbers<float>(length);
            case GgufValueType.UInt64: return ReadNumbers<ulong>(length);
            case GgufValueType.Int64: return ReadNumbers<long>(length);
            case GgufValueType.Float64: return ReadNumbers<double>(length);
            case GgufValueType.Bool:
                return Array.ConvertAll(ReadNumbers<byte>(length), b => ToBool(b, item));
            case GgufValueType.String:
                var strings = new string[length];
                for (int i = 0; i < length; i++)
                    strings[i] = ReadString(item, i);
                return strings;
            default:
                var arrays = new Array[length];
                for (int i = 0; i < length; i++)
                    arrays[i] = ReadArray($"{item}[{i}]", depth + 1);
                return arrays;
        }
    }

    // The counts were checked against the bytes left, so the allocation is bounded by the file's size.
    // GGUF is little-endian, as is every platform .NET runs TorchSharp on.
    private T[] ReadNumbers<T>(int count) where T : unmanaged
    {
        var values = new T[count];
        _stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private bool ToBool(byte value, string item) => value switch
    {
        0 => false,
        1 => true,
        _ => throw Invalid($"{item} holds the boolean byte {value}; expected 0 or 1."),
    };

    private string ReadString(string item, long index = -1)
    {
        ulong length = ReadUInt64(index < 0 ? $"the length of {item}" : $"the length of {item}[{index}]");
        if (length > (ulong)Remaining || length > (ulong)Array.MaxLength)
        {
            string what = index < 0 ? item : $"{item}[{index}]";
            throw Invalid($"{what} claims a string of {length} bytes at offset {_stream.Position}, but only {Remaining} bytes are left in the file.");
        }
        var bytes = new byte[length];
        _stream.ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private uint ReadUInt32(string item) => ReadScalar(4, item, BinaryPrimitives.ReadUInt32LittleEndian);

    private ulong ReadUInt64(string item) => ReadScalar(8, item, BinaryPrimitives.ReadUInt64LittleEndian);

    private delegate T SpanParser<T>(ReadOnlySpan<byte> bytes);

    private T ReadScalar<T>(int size, string item, SpanParser<T> parse)
    {
        if (Remaining < size)
            throw Invalid($"{item} needs {size} bytes at offset {_stream.Position}, but the file ends at {_length} (truncated?).");
        Span<byte> buffer = stackalloc byte[8];
        _stream.ReadExactly(buffer[..size]);
        return parse(buffer[..size]);
    }

    private const int InitialCapacity = 4096;

    private void CheckCount(ulong count, int minimumSize, string what)
    {
        if (count > (ulong)(Remaining / minimumSize) || count > int.MaxValue)
            throw Invalid($"it claims {count} {what}, more than the {Remaining} bytes left after the header can hold.");
    }

    private static long AlignUp(long offset, int alignment) => (offset + alignment - 1) / alignment * alignment;

    private InvalidDataException Invalid(string problem) => new($"'{_path}' is not a valid GGUF file: {problem}");
}
