using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;
using V = AgentFlow.MLNet.Tests.Models.Gguf.GgufTestFile.ValueTypes;

namespace AgentFlow.MLNet.Tests.Models.Gguf;

/// <summary>Broken, hostile and unsupported files fail with an exception that names the file and the item.</summary>
[Collection(TorchCollection.Name)]
public sealed class GgufCorruptFileTests : IDisposable
{
    private readonly TempFolder _directory = new();

    public GgufCorruptFileTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void AWrongMagicIsRejected()
    {
        string path = new GgufTestFile { Magic = "GGML"u8.ToArray() }.WriteTo(_directory.Path);
        AssertInvalid(path, "magic");
    }

    [Fact]
    public void VersionOneIsRejectedByName()
    {
        string path = new GgufTestFile { Version = 1 }.WriteTo(_directory.Path);
        var error = Assert.Throws<NotSupportedException>(() => GgufFile.Open(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("version 1", error.Message);
    }

    [Fact]
    public void ATruncationAnywhereBeforeTheDataIsInvalidData()
    {
        string model = WriteTinyModel();
        byte[] bytes = File.ReadAllBytes(model);
        long dataOffset;
        using (var file = GgufFile.Open(model))
            dataOffset = file.DataOffset;
        string path = _directory.File("truncated.gguf");

        // Every cut inside the fixed-size preamble, then a cut every 7 bytes through the metadata
        // (vocabulary arrays included) and the tensor infos.
        for (int length = 0; length < dataOffset; length += length < 64 ? 1 : 7)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var error = Assert.Throws<InvalidDataException>(() => GgufFile.Open(path));
            Assert.Contains(path, error.Message);
        }
        File.WriteAllBytes(path, bytes[..200]);
        AssertInvalid(path, "metadata");
    }

    [Fact]
    public void ATruncationInTheTensorDataNamesTheTensorThatNoLongerFits()
    {
        byte[] bytes = File.ReadAllBytes(WriteTinyModel());
        string path = _directory.File("truncated.gguf");
        File.WriteAllBytes(path, bytes[..^4]);

        AssertInvalid(path, "'output.weight'", "beyond the end");
    }

    [Theory]
    [InlineData(4096UL, new long[] { 2 }, "beyond the end")]
    [InlineData(0UL, new long[] { 2, 1L << 40 }, "beyond the end")]
    [InlineData(0UL, new long[] { 1L << 62, 1L << 62 }, "overflows")]
    [InlineData(8UL, new long[] { 2 }, "alignment")]
    public void ATensorOffsetOrSizeOutsideTheFileIsRejected(ulong offset, long[] dimensions, string problem)
    {
        var file = new GgufTestFile { Data = new byte[64] }.Tensor("blk.0.attn_q.weight", dimensions, 0, offset);
        AssertInvalid(file.WriteTo(_directory.Path), "blk.0.attn_q.weight", problem);
    }

    [Fact]
    public void AnUnknownGgmlTypeIsNotSupportedAndNamed()
    {
        string path = new GgufTestFile { Data = new byte[64] }.Tensor("w", [32], 99, 0).WriteTo(_directory.Path);
        var error = Assert.Throws<NotSupportedException>(() => GgufFile.Open(path));
        Assert.Contains("'w'", error.Message);
        Assert.Contains("99", error.Message);
    }

    [Fact]
    public void AKnownButUndecodableTypeOpensButCannotBeRead()
    {
        // One Q4_K super-block: 256 values in 144 bytes.
        string path = new GgufTestFile { Data = new byte[144] }.Tensor("w", [256], 12, 0).WriteTo(_directory.Path);
        using var file = GgufFile.Open(path);

        Assert.Equal(GgmlType.Q4_K, file.Tensors.Single().Type);
        Assert.Equal(144, file.Tensors.Single().ByteSize);
        var error = Assert.Throws<NotSupportedException>(() => file.ReadTensor("w"));
        Assert.Contains("Q4_K", error.Message);
    }

    [Fact]
    public void HugeLengthsAndCountsFailBeforeAnyAllocation()
    {
        var hugeString = new GgufTestFile().Entry("name", V.String, [.. BitConverter.GetBytes(1UL << 40), .. "abc"u8]);
        AssertInvalid(hugeString.WriteTo(_directory.Path, "string.gguf"), "metadata 'name'", "1099511627776");
        var hugeArray = new GgufTestFile().Entry("tokens", V.Array, [.. BitConverter.GetBytes(V.String), .. BitConverter.GetBytes(ulong.MaxValue / 2)]);
        AssertInvalid(hugeArray.WriteTo(_directory.Path, "array.gguf"), "metadata 'tokens'", "items");
        byte[] manyTensors = new GgufTestFile().ToBytes();
        BitConverter.GetBytes(1UL << 50).CopyTo(manyTensors, 8);
        string path = _directory.File("tensors.gguf");
        File.WriteAllBytes(path, manyTensors);
        AssertInvalid(path, "tensor infos");
    }

    [Fact]
    public void MalformedMetadataAndTensorInfosAreNamed()
    {
        AssertInvalid(new GgufTestFile().Entry("k", 13, [0]).WriteTo(_directory.Path, "type.gguf"), "metadata 'k'", "unknown value type 13");
        AssertInvalid(new GgufTestFile().Entry("flag", V.Bool, [2]).WriteTo(_directory.Path, "bool.gguf"), "metadata 'flag'", "boolean");
        AssertInvalid(new GgufTestFile().UInt32Entry("k", 1).UInt32Entry("k", 2).WriteTo(_directory.Path, "twice.gguf"), "'k'", "twice");
        AssertInvalid(new GgufTestFile().UInt32Entry("general.alignment", 48).WriteTo(_directory.Path, "align.gguf"), "general.alignment", "power of two");
        AssertInvalid(new GgufTestFile { Data = new byte[32] }.Tensor("t", [1, 1, 1, 1, 1], 0, 0).WriteTo(_directory.Path, "dims.gguf"), "'t'", "5 dimensions");
        AssertInvalid(new GgufTestFile { Data = new byte[64] }.Tensor("t", [1], 0, 0).Tensor("t", [1], 0, 32).WriteTo(_directory.Path, "names.gguf"), "'t'", "twice");
        AssertInvalid(new GgufTestFile { Data = new byte[64] }.Tensor("q", [16], 8, 0).WriteTo(_directory.Path, "block.gguf"), "'q'", "block size 32");
        byte[] deep = GgufTestFile.ArrayOf(V.Int8, 0, []);
        for (int i = 0; i < 9; i++)
            deep = GgufTestFile.ArrayOf(V.Array, 1, deep);
        AssertInvalid(new GgufTestFile().Entry("deep", V.Array, deep).WriteTo(_directory.Path, "deep.gguf"), "metadata 'deep'", "nests arrays");
    }

    [Fact]
    public void AMissingTensorIsNamedWithItsHuggingFaceName()
    {
        string path = WriteModelFile(TinyModels.Config("llama", bias: false, tied: false), slot => slot.GgufName == "blk.1.ffn_up.weight" ? null : slot);
        AssertInvalid(path, "GgufModelLoader", "'blk.1.ffn_up.weight'", "model.layers.1.mlp.up_proj.weight");
    }

    [Fact]
    public void AWrongShapeIsNamedWithBothShapes()
    {
        string path = WriteModelFile(TinyModels.Config("qwen2", bias: true, tied: true),
            slot => slot.GgufName == "blk.0.attn_k.weight" ? slot with { Shape = [8, 32] } : slot);
        AssertInvalid(path, "GgufModelLoader", "'blk.0.attn_k.weight'", "[8, 32]", "[16, 32]");
    }

    [Fact]
    public void MissingOrUnsupportedModelMetadataIsReported()
    {
        var config = TinyModels.Config("llama", bias: false, tied: true);
        string noLayers = WriteModelFile(config, slot => slot, metadata => metadata.RemoveAll(e => e.Key == "llama.block_count"));
        AssertInvalid(noLayers, "GgufModelLoader", "llama.block_count");

        string gemma = WriteModelFile(config, slot => slot, metadata => metadata[0] = new("general.architecture", "gemma2"));
        var error = Assert.Throws<NotSupportedException>(() => GgufModelLoader.Load(gemma));
        Assert.Contains("'gemma2'", error.Message);

        string yarn = WriteModelFile(config, slot => slot, metadata => metadata.AddRange(
            [new("llama.rope.scaling.type", "yarn"), new("llama.rope.scaling.factor", 4f)]));
        Assert.Contains("yarn", Assert.Throws<NotSupportedException>(() => GgufModelLoader.Load(yarn)).Message);
    }

    private string WriteTinyModel()
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Config("llama", bias: true, tied: false);
        string path = _directory.File("model.gguf");
        GgufModelWriter.Write(path, config, TinyModels.Weights(config, seed: 1), TinyModels.Tokenizer(TinyModels.VocabularySize), GgmlType.F32);
        return path;
    }

    /// <summary>A model file written piece by piece, with tensors and metadata edited to break it.</summary>
    private string WriteModelFile(CausalLMConfig config, Func<GgufTensorSlot, GgufTensorSlot?> editTensor, Action<List<KeyValuePair<string, object>>>? editMetadata = null)
    {
        var metadata = GgufModelConfig.Write(config, GgmlType.F32);
        editMetadata?.Invoke(metadata);
        var tensors = GgufTensorMap.For(config).Select(editTensor).OfType<GgufTensorSlot>()
            .Select(slot => new GgufTensorEntry(slot.GgufName, slot.Shape, GgmlType.F32, () => zeros(slot.Shape)))
            .ToList();
        string path = _directory.File($"edited-{Guid.NewGuid():N}.gguf");
        GgufFileWriter.Write(path, metadata, tensors);
        return path;
    }

    /// <summary>Opening (or, with "GgufModelLoader" first, loading) fails with InvalidDataException naming the file and each fragment.</summary>
    private static void AssertInvalid(string path, params string[] fragments)
    {
        bool load = fragments.FirstOrDefault() == nameof(GgufModelLoader);
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            if (load)
                GgufModelLoader.Load(path);
            else
                GgufFile.Open(path).Dispose();
        });
        Assert.Contains(path, error.Message);
        foreach (string fragment in fragments.Skip(load ? 1 : 0))
            Assert.Contains(fragment, error.Message);
    }
}
