using System.Text;

namespace AgentFlow.MLNet.Tests.Models.Gguf;

/// <summary>
/// Builds GGUF bytes by hand, independently of the library's writer, with full control over every field
/// (including wrong ones) so the reader can be tested against the format itself.
/// </summary>
internal sealed class GgufTestFile
{
    /// <summary>GGUF value type ids, from the format specification.</summary>
    public static class ValueTypes
    {
        public const uint UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
            String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12;
    }

    private readonly List<byte[]> _entries = [];
    private readonly List<byte[]> _tensorInfos = [];

    public byte[] Magic { get; set; } = "GGUF"u8.ToArray();
    public uint Version { get; set; } = 3;
    public int Alignment { get; set; } = 32;
    public byte[] Data { get; set; } = [];

    /// <summary>A metadata entry whose value bytes are given raw.</summary>
    public GgufTestFile Entry(string key, uint type, byte[] value)
    {
        _entries.Add([.. Str(key), .. BitConverter.GetBytes(type), .. value]);
        return this;
    }

    public GgufTestFile StringEntry(string key, string value) => Entry(key, ValueTypes.String, Str(value));

    public GgufTestFile UInt32Entry(string key, uint value) => Entry(key, ValueTypes.UInt32, BitConverter.GetBytes(value));

    public GgufTestFile Float32Entry(string key, float value) => Entry(key, ValueTypes.Float32, BitConverter.GetBytes(value));

    /// <summary>A tensor info with GGUF dimensions (innermost first), ggml type id and data offset.</summary>
    public GgufTestFile Tensor(string name, long[] dimensions, uint type, ulong offset)
    {
        var info = new List<byte>(Str(name));
        info.AddRange(BitConverter.GetBytes((uint)dimensions.Length));
        foreach (long dimension in dimensions)
            info.AddRange(BitConverter.GetBytes((ulong)dimension));
        info.AddRange(BitConverter.GetBytes(type));
        info.AddRange(BitConverter.GetBytes(offset));
        _tensorInfos.Add([.. info]);
        return this;
    }

    public byte[] ToBytes()
    {
        var bytes = new List<byte>(Magic);
        bytes.AddRange(BitConverter.GetBytes(Version));
        bytes.AddRange(BitConverter.GetBytes((ulong)_tensorInfos.Count));
        bytes.AddRange(BitConverter.GetBytes((ulong)_entries.Count));
        foreach (var entry in _entries)
            bytes.AddRange(entry);
        foreach (var info in _tensorInfos)
            bytes.AddRange(info);
        while (bytes.Count % Alignment != 0)
            bytes.Add(0);
        bytes.AddRange(Data);
        return [.. bytes];
    }

    public string WriteTo(string directory, string name = "test.gguf")
    {
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, ToBytes());
        return path;
    }

    /// <summary>A GGUF string: uint64 length and UTF-8 bytes.</summary>
    public static byte[] Str(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        return [.. BitConverter.GetBytes((ulong)utf8.Length), .. utf8];
    }

    /// <summary>An array value: element type, count, then the items' bytes (which carry no tags).</summary>
    public static byte[] ArrayOf(uint elementType, int count, byte[] items) =>
        [.. BitConverter.GetBytes(elementType), .. BitConverter.GetBytes((ulong)count), .. items];
}
