using System.Text;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Checkpoints;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models;

[Collection(TorchCollection.Name)]
public sealed class CheckpointTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public CheckpointTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    private static Tensor Logits(CausalLM model, Tensor ids) => model.forward(new CausalLMInput(ids)).Logits!;

    public static TheoryData<string> Layouts => ["llama-untied", "llama-tied", "qwen2-tied", "qwen2-untied"];

    private static CausalLMConfig ConfigFor(string layout) => layout switch
    {
        "llama-untied" => TinyModels.Llama(),
        "llama-tied" => TinyModels.Llama(tied: true),
        "qwen2-tied" => TinyModels.Qwen2(),
        _ => TinyModels.Qwen2(heads: 6, keyValueHeads: 3, tied: false),
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ASavedModelLoadsBackWithIdenticalLogits(string layout)
    {
        using var scope = NewDisposeScope();
        using var original = TinyModels.Create(ConfigFor(layout));
        var ids = TinyModels.RandomIds(original.Config, batch: 2, tokens: 9);

        CausalLMCheckpoint.SaveWeights(original, _temp.Path);
        using var loaded = CausalLMCheckpoint.Load(_temp.Path);

        Assert.Equal(original.Config.ToJson(), (loaded.Config with { TorchDtype = null }).ToJson());
        Assert.True(Logits(original, ids).equal(Logits(loaded, ids)).all().item<bool>());
        Assert.Equal(original.Config.TieWordEmbeddings, !File.ReadAllText(Path.Combine(_temp.Path, "model.safetensors")).Contains("lm_head.weight"));
    }

    [Fact]
    public void ShardedWeightsLoadBackIdentically()
    {
        using var scope = NewDisposeScope();
        using var original = TinyModels.Create(TinyModels.Llama());
        var ids = TinyModels.RandomIds(original.Config, batch: 1, tokens: 8);

        CausalLMCheckpoint.SaveWeights(original, _temp.Path, new CheckpointSaveOptions { MaxShardBytes = 20_000 });
        using var loaded = CausalLMCheckpoint.Load(_temp.Path);

        var shards = Directory.GetFiles(_temp.Path, "model-*-of-*.safetensors");
        Assert.True(shards.Length > 2, $"expected several shards, got {shards.Length}");
        Assert.False(File.Exists(Path.Combine(_temp.Path, SafetensorsCheckpoint.SingleFile)));
        Assert.True(Logits(original, ids).equal(Logits(loaded, ids)).all().item<bool>());
    }

    [Fact]
    public void SavingAgainAsOneFileRemovesTheOldShards()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        CausalLMCheckpoint.SaveWeights(model, _temp.Path, new CheckpointSaveOptions { MaxShardBytes = 20_000 });

        CausalLMCheckpoint.SaveWeights(model, _temp.Path);

        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(_temp.Path).Select(f => Path.GetFileName(f)!).Order().ToArray());
    }

    [Theory]
    [InlineData(ScalarType.BFloat16, "bfloat16")]
    [InlineData(ScalarType.Float16, "float16")]
    public void HalfPrecisionCheckpointsLoadIntoFloat32AsTheRoundedWeights(ScalarType stored, string dtypeName)
    {
        using var scope = NewDisposeScope();
        using var original = TinyModels.Create(TinyModels.Qwen2());

        CausalLMCheckpoint.SaveWeights(original, _temp.Path, new CheckpointSaveOptions { DType = stored });
        using var loaded = CausalLMCheckpoint.Load(_temp.Path);

        Assert.Contains($"\"torch_dtype\": \"{dtypeName}\"", File.ReadAllText(Path.Combine(_temp.Path, "config.json")));
        var expected = original.state_dict()["model.layers.0.self_attn.q_proj.weight"].to(stored).to(ScalarType.Float32);
        Assert.True(loaded.state_dict()["model.layers.0.self_attn.q_proj.weight"].equal(expected).all().item<bool>());
        Assert.Equal(ScalarType.Float32, loaded.Describe().DType);
    }

    [Fact]
    public void AFloat32CheckpointLoadsIntoBfloat16Compute()
    {
        using var original = TinyModels.Create(TinyModels.Llama());
        CausalLMCheckpoint.SaveWeights(original, _temp.Path);

        using var loaded = CausalLMCheckpoint.Load(_temp.Path, new ModelLoadOptions { DType = ScalarType.BFloat16 });

        Assert.Equal(ScalarType.BFloat16, loaded.Describe().DType);
    }

    // ---- bad input: each gives a clear error naming the problem ----

    private string SaveTiny()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        CausalLMCheckpoint.SaveWeights(model, _temp.Path);
        return Path.Combine(_temp.Path, SafetensorsCheckpoint.SingleFile);
    }

    [Fact]
    public void ATruncatedFileIsRejectedNamingTheTensorPastTheEnd()
    {
        string weights = SaveTiny();
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length - 100)]);

        var error = Assert.Throws<InvalidDataException>(() => CausalLMCheckpoint.Load(_temp.Path));

        Assert.Contains("truncated", error.Message);
        Assert.Contains(weights, error.Message);
    }

    [Fact]
    public void AHeaderLengthBeyondTheFileIsRejected()
    {
        string weights = SaveTiny();
        byte[] bytes = File.ReadAllBytes(weights);
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)bytes.Length);
        File.WriteAllBytes(weights, bytes);

        var error = Assert.Throws<InvalidDataException>(() => CausalLMCheckpoint.Load(_temp.Path));

        Assert.Contains("header claims", error.Message);
    }

    [Fact]
    public void AHeaderThatLiesAboutATensorSizeIsRejected()
    {
        string weights = SaveTiny();
        RewriteHeader(weights, header => header.Replace("\"shape\":[32]", "\"shape\":[33]"));

        var error = Assert.Throws<InvalidDataException>(() => CausalLMCheckpoint.Load(_temp.Path));

        Assert.Contains("needs", error.Message);
        Assert.Contains("spans", error.Message);
    }

    [Fact]
    public void OverlappingTensorsAreRejected()
    {
        string weights = Path.Combine(_temp.Path, "overlap.safetensors");
        WriteRaw(weights, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(weights));

        Assert.Contains("overlap", error.Message);
    }

    [Fact]
    public void AnUnknownDtypeIsNamed()
    {
        string weights = Path.Combine(_temp.Path, "f8.safetensors");
        WriteRaw(weights, "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);

        var error = Assert.Throws<NotSupportedException>(() => SafetensorsFile.Open(weights));

        Assert.Contains("F8_E4M3", error.Message);
    }

    [Fact]
    public void AHeaderThatIsNotJsonIsRejected()
    {
        string weights = Path.Combine(_temp.Path, "garbage.safetensors");
        WriteRaw(weights, "{not json", 0);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(weights));

        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void AMissingTensorIsNamed()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        CausalLMCheckpoint.SaveWeights(model, _temp.Path);
        var kept = model.state_dict().Where(p => p.Key != "model.layers.1.mlp.up_proj.weight").ToList();
        SafetensorsWriter.Write(Path.Combine(_temp.Path, SafetensorsCheckpoint.SingleFile), kept);

        var error = Assert.Throws<InvalidDataException>(() => CausalLMCheckpoint.Load(_temp.Path));

        Assert.Contains("model.layers.1.mlp.up_proj.weight", error.Message);
        Assert.Contains("lacks", error.Message);
    }

    [Fact]
    public void AConfigThatDisagreesWithTheWeightsNamesTheTensorAndBothShapes()
    {
        SaveTiny();
        string configPath = Path.Combine(_temp.Path, "config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"intermediate_size\": 48", "\"intermediate_size\": 64"));

        var error = Assert.Throws<InvalidDataException>(() => CausalLMCheckpoint.Load(_temp.Path));

        Assert.Contains("mlp.gate_proj.weight", error.Message);
        Assert.Contains("[48, 32]", error.Message);
        Assert.Contains("[64, 32]", error.Message);
    }

    [Fact]
    public void AnUnexpectedTensorIsNamed()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        CausalLMCheckpoint.SaveWeights(model, _temp.Path);
        var extra = model.state_dict().Append(new("model.layers.0.self_attn.q_norm.weight", ones(8))).ToList();
        SafetensorsWriter.Write(Path.Combine(_temp.Path, SafetensorsCheckpoint.SingleFile), extra);

        var error = Assert.Throws<InvalidDataException>(() => CausalLMCheckpoint.Load(_temp.Path));

        Assert.Contains("q_norm", error.Message);
    }

    [Fact]
    public void AShardIndexPointingOutsideTheFolderIsRejected()
    {
        SaveTiny();
        File.Delete(Path.Combine(_temp.Path, SafetensorsCheckpoint.SingleFile));
        File.WriteAllText(Path.Combine(_temp.Path, SafetensorsCheckpoint.IndexFile), "{\"weight_map\":{\"model.norm.weight\":\"../../etc/passwd\"}}");

        var error = Assert.Throws<InvalidDataException>(() => CausalLMCheckpoint.Load(_temp.Path));

        Assert.Contains("invalid shard", error.Message);
    }

    [Fact]
    public void AMissingFolderOrConfigIsNamed()
    {
        Assert.Throws<DirectoryNotFoundException>(() => CausalLMCheckpoint.Load(Path.Combine(_temp.Path, "nope")));
        var error = Assert.Throws<FileNotFoundException>(() => CausalLMCheckpoint.Load(_temp.Path));
        Assert.Contains("config.json", error.Message);
    }

    private static void RewriteHeader(string path, Func<string, string> edit)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        byte[] edited = Encoding.UTF8.GetBytes(edit(header).PadRight((int)headerLength));
        Assert.Equal(headerLength, edited.Length);
        edited.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }

    private static void WriteRaw(string path, string header, int dataBytes)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)json.Length));
        stream.Write(json);
        stream.Write(new byte[dataBytes]);
    }
}
