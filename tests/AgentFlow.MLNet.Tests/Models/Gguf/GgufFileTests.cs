using System.Buffers.Binary;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using V = AgentFlow.MLNet.Tests.Models.Gguf.GgufTestFile.ValueTypes;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models.Gguf;

/// <summary>The GGUF reader against hand-built files: every metadata type, tensor decoding, versions, alignment.</summary>
[Collection(TorchCollection.Name)]
public sealed class GgufFileTests : IDisposable
{
    private readonly TempFolder _directory = new();

    public GgufFileTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void MetadataOfEveryValueTypeReadsAsItsNaturalDotNetType()
    {
        byte[] Int32s(params int[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
        var file = new GgufTestFile()
            .Entry("u8", V.UInt8, [200])
            .Entry("i8", V.Int8, [unchecked((byte)-5)])
            .Entry("u16", V.UInt16, BitConverter.GetBytes((ushort)60000))
            .Entry("i16", V.Int16, BitConverter.GetBytes((short)-30000))
            .Entry("u32", V.UInt32, BitConverter.GetBytes(4_000_000_000u))
            .Entry("i32", V.Int32, BitConverter.GetBytes(-2_000_000_000))
            .Entry("f32", V.Float32, BitConverter.GetBytes(1.5f))
            .Entry("bool", V.Bool, [1])
            .Entry("string", V.String, GgufTestFile.Str("héllo ✓"))
            .Entry("u64", V.UInt64, BitConverter.GetBytes(10_000_000_000_000_000_000ul))
            .Entry("i64", V.Int64, BitConverter.GetBytes(-9_000_000_000_000_000_000L))
            .Entry("f64", V.Float64, BitConverter.GetBytes(2.25))
            .Entry("u32s", V.Array, GgufTestFile.ArrayOf(V.UInt32, 3, [.. BitConverter.GetBytes(1u), .. BitConverter.GetBytes(2u), .. BitConverter.GetBytes(3u)]))
            .Entry("bools", V.Array, GgufTestFile.ArrayOf(V.Bool, 2, [0, 1]))
            .Entry("f64s", V.Array, GgufTestFile.ArrayOf(V.Float64, 1, BitConverter.GetBytes(-0.5)))
            .Entry("strings", V.Array, GgufTestFile.ArrayOf(V.String, 2, [.. GgufTestFile.Str("a"), .. GgufTestFile.Str("bc")]))
            .Entry("nested", V.Array, GgufTestFile.ArrayOf(V.Array, 2,
                [.. GgufTestFile.ArrayOf(V.Int32, 2, Int32s(1, 2)), .. GgufTestFile.ArrayOf(V.String, 1, GgufTestFile.Str("x"))]))
            .Entry("empty", V.Array, GgufTestFile.ArrayOf(V.Int8, 0, []));

        using var gguf = GgufFile.Open(file.WriteTo(_directory.Path));
        var m = gguf.Metadata;

        Assert.Equal((byte)200, m["u8"]);
        Assert.Equal((sbyte)-5, m["i8"]);
        Assert.Equal((ushort)60000, m["u16"]);
        Assert.Equal((short)-30000, m["i16"]);
        Assert.Equal(4_000_000_000u, m["u32"]);
        Assert.Equal(-2_000_000_000, m["i32"]);
        Assert.Equal(1.5f, m["f32"]);
        Assert.Equal(true, m["bool"]);
        Assert.Equal("héllo ✓", m["string"]);
        Assert.Equal(10_000_000_000_000_000_000ul, m["u64"]);
        Assert.Equal(-9_000_000_000_000_000_000L, m["i64"]);
        Assert.Equal(2.25, m["f64"]);
        Assert.Equal(new uint[] { 1, 2, 3 }, m["u32s"]);
        Assert.Equal(new[] { false, true }, m["bools"]);
        Assert.Equal(new[] { -0.5 }, m["f64s"]);
        Assert.Equal(new[] { "a", "bc" }, m["strings"]);
        var nested = Assert.IsType<System.Array[]>(m["nested"]);
        Assert.Equal(new[] { 1, 2 }, nested[0]);
        Assert.Equal(new[] { "x" }, nested[1]);
        Assert.Empty(Assert.IsType<sbyte[]>(m["empty"]));
        Assert.Equal(18, m.Count);
        Assert.Equal(new[] { "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "u64", "i64", "f64", "u32s", "bools", "f64s", "strings", "nested", "empty" }, m.Keys);
    }

    [Fact]
    public void TypedGettersWidenAndNameTheKeyOnAMismatch()
    {
        var file = new GgufTestFile()
            .Entry("u8", V.UInt8, [7])
            .Float32Entry("eps", 1e-6f)
            .StringEntry("name", "x")
            .Entry("ids", V.Array, GgufTestFile.ArrayOf(V.UInt16, 2, [.. BitConverter.GetBytes((ushort)3), .. BitConverter.GetBytes((ushort)4)]));
        string path = file.WriteTo(_directory.Path);
        using var gguf = GgufFile.Open(path);

        Assert.Equal(7L, gguf.Metadata.GetInteger("u8"));
        Assert.Equal(1e-6, gguf.Metadata.GetFloat("eps"));
        Assert.Equal(new[] { 3, 4 }, gguf.Metadata.GetInt32Array("ids"));
        Assert.Null(gguf.Metadata.GetString("absent"));
        var error = Assert.Throws<InvalidDataException>(() => gguf.Metadata.GetInteger("name"));
        Assert.Contains(path, error.Message);
        Assert.Contains("'name'", error.Message);
    }

    [Fact]
    public void TensorsDecodeFromF32F16Bf16AndQ8_0IntoPyTorchOrder()
    {
        float[] values = [1, -2, 0.5f, 3, 0.375f, -1.5f];
        byte[] f32 = values.SelectMany(BitConverter.GetBytes).ToArray();
        byte[] f16 = values.SelectMany(v => BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)v))).ToArray();
        // These values are exact in bfloat16, whose bits are the top half of the float32 bits.
        byte[] bf16 = values.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(v) >> 16))).ToArray();
        // One Q8_0 block: scale 0.5 then q = -16..15.
        byte[] q8 = [.. BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)0.5f)), .. Enumerable.Range(-16, 32).Select(q => unchecked((byte)(sbyte)q))];
        var file = new GgufTestFile()
            .Tensor("f32", [3, 2], 0, 0)
            .Tensor("f16", [3, 2], 1, 32)
            .Tensor("bf16", [3, 2], 30, 64)
            .Tensor("q8", [32], 8, 96);
        file.Data = [.. Pad(f32, 32), .. Pad(f16, 32), .. Pad(bf16, 32), .. q8];
        using var gguf = GgufFile.Open(file.WriteTo(_directory.Path));
        using var scope = NewDisposeScope();

        foreach (string name in new[] { "f32", "f16", "bf16" })
        {
            var tensor = gguf.ReadTensor(name);
            Assert.Equal(new long[] { 2, 3 }, tensor.shape);
            Assert.Equal(ScalarType.Float32, tensor.dtype);
            Assert.Equal(values, tensor.data<float>().ToArray());
        }
        var q8Tensor = gguf.ReadTensor("q8");
        Assert.Equal(Enumerable.Range(-16, 32).Select(q => 0.5f * q), q8Tensor.data<float>().ToArray());
        var asHalf = gguf.ReadTensor("f16", ScalarType.Float16);
        Assert.Equal(ScalarType.Float16, asHalf.dtype);
        Assert.Equal(values, asHalf.to(ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void VersionTwoAndACustomAlignmentAreHonoured()
    {
        var file = new GgufTestFile { Version = 2, Alignment = 64 }
            .UInt32Entry("general.alignment", 64)
            .Tensor("a", [2], 0, 0)
            .Tensor("b", [2], 0, 64);
        file.Data = [.. Pad([.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2f)], 64), .. BitConverter.GetBytes(3f), .. BitConverter.GetBytes(4f)];
        using var gguf = GgufFile.Open(file.WriteTo(_directory.Path));
        using var scope = NewDisposeScope();

        Assert.Equal(2u, gguf.Version);
        Assert.Equal(64, gguf.Alignment);
        Assert.Equal(0, gguf.DataOffset % 64);
        Assert.Equal(new[] { 3f, 4f }, gguf.ReadTensor("b").data<float>().ToArray());
    }

    [Fact]
    public void TheWriterRoundTripsEveryValueTypeAndAlignment()
    {
        var metadata = new List<KeyValuePair<string, object>>
        {
            new("u8", (byte)1), new("i8", (sbyte)-1), new("u16", (ushort)2), new("i16", (short)-2),
            new("u32", 3u), new("i32", -3), new("u64", 4ul), new("i64", -4L), new("f32", 0.25f), new("f64", 0.125),
            new("bool", false), new("string", "ü"), new("floats", new[] { 1f, 2f }),
            new("nested", new System.Array[] { new[] { "p", "q" }, new[] { true } }),
        };
        string path = _directory.File("written.gguf");
        using var scope = NewDisposeScope();
        var data = arange(64, dtype: ScalarType.Float32).reshape(2, 32);
        GgufFileWriter.Write(path, metadata, [new GgufTensorEntry("t", [2, 32], GgmlType.F32, () => data)], alignment: 128);

        using var gguf = GgufFile.Open(path);
        Assert.Equal(128, gguf.Alignment);
        Assert.Equal(128u, gguf.Metadata["general.alignment"]);
        foreach (var (key, value) in metadata.Where(e => e.Key != "nested"))
            Assert.Equal(value, gguf.Metadata[key]);
        var nested = Assert.IsType<System.Array[]>(gguf.Metadata["nested"]);
        Assert.Equal(new[] { "p", "q" }, nested[0]);
        Assert.Equal(new[] { true }, nested[1]);
        Assert.Equal(data.data<float>().ToArray(), gguf.ReadTensor("t").data<float>().ToArray());
    }

    [Fact]
    public void Q8_0QuantisesLikeGgmlRoundingHalvesAwayFromZero()
    {
        // max |x| = 127 gives d = 1, so q = round(x): 2.5 -> 3 and -2.5 -> -3 (banker's rounding would give 2 and -2).
        float[] block = [127, 2.5f, -2.5f, 0.49f, .. Enumerable.Repeat(0f, 28)];
        byte[] bytes = new byte[Q8_0Block.Bytes];

        Q8_0Block.Quantize(block, bytes);

        Assert.Equal((Half)1, BinaryPrimitives.ReadHalfLittleEndian(bytes));
        Assert.Equal(new sbyte[] { 127, 3, -3, 0 }, bytes[2..6].Select(b => (sbyte)b));
        var zeros = new byte[Q8_0Block.Bytes];
        Q8_0Block.Quantize(new float[32], zeros);
        var decoded = new float[32];
        Q8_0Block.Dequantize(zeros, decoded);
        Assert.All(decoded, v => Assert.Equal(0f, v));
    }

    private static byte[] Pad(byte[] bytes, int alignment) =>
        [.. bytes, .. new byte[(alignment - bytes.Length % alignment) % alignment]];
}
