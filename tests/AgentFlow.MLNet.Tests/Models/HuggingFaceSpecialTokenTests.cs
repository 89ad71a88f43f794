using System.Text.Json.Nodes;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Tokenization;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models.Tokenization;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Models;

/// <summary>
/// Hugging Face files say "no such token" with null or -1, and some carry ids past the vocabulary; transformers loads
/// them all. Such an id is no token, with a warning; only a value that is not an id at all is an error.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class HuggingFaceSpecialTokenTests : IDisposable
{
    private const string Base = """{"model_type": "qwen2", "vocab_size": 259, "hidden_size": 24, "intermediate_size": 40, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 1""";

    private readonly TokenizerFolderFixture _folder = new();

    public HuggingFaceSpecialTokenTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _folder.Dispose();

    private static CausalLMConfig Parse(string ids, List<string> warnings) => CausalLMConfig.Parse(Base + ", " + ids + "}", "config.json", warnings);

    [Theory]
    [InlineData("\"bos_token_id\": null, \"eos_token_id\": null", null, new int[0], 0)]
    [InlineData("\"bos_token_id\": -1, \"eos_token_id\": 4294967295", null, new int[0], 2)]
    [InlineData("\"bos_token_id\": 259, \"eos_token_id\": [258, null, -1, 100000]", null, new[] { 258 }, 3)]
    [InlineData("\"bos_token_id\": 0, \"eos_token_id\": [257, 258]", 0, new[] { 257, 258 }, 0)]
    public void ConfigIdsThatNameNoTokenAreLeftOutWithAWarningEach(string ids, int? bos, int[] eos, int warningCount)
    {
        var warnings = new List<string>();

        var config = Parse(ids, warnings);

        Assert.Equal(bos, config.BosTokenId);
        Assert.Equal(eos, config.EosTokenIds);
        Assert.Equal(warningCount, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("config.json", w));
    }

    [Theory]
    [InlineData("\"eos_token_id\": \"</s>\"")]
    [InlineData("\"eos_token_id\": [2.5]")]
    [InlineData("\"bos_token_id\": [1, 2]")]
    public void AnIdFieldHoldingSomethingElseIsStillInvalid(string ids)
    {
        var error = Assert.Throws<InvalidDataException>(() => Parse(ids, []));

        Assert.Contains(ids.Contains("bos") ? "bos_token_id" : "eos_token_id", error.Message);
    }

    /// <summary>A tiny Qwen2 folder: the byte vocabulary's tokenizer.json plus ChatML specials, safetensors weights.</summary>
    private string WriteFolder(string configIds, string? tokenizerConfig, string? generationConfig)
    {
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => ByteLevelAlphabet.CharFor((byte)b).ToString(), b => b);
        _folder.WriteTokenizerJson(vocab, [], splitPattern: null,
            addedTokens: [(TinyLocalModels.EndOfText, "<|endoftext|>", true), (TinyLocalModels.ImStart, "<|im_start|>", true), (TinyLocalModels.ImEnd, "<|im_end|>", true)]);
        using (var model = TinyModels.Create(TinyLocalModels.Config()))
            CausalLMCheckpoint.SaveWeights(model, _folder.Path);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder.Path, "config.json")))!.AsObject();
        foreach (var (key, value) in JsonNode.Parse("{" + configIds + "}")!.AsObject().ToList())
            config[key] = value?.DeepClone();
        _folder.Write("config.json", config.ToJsonString());
        if (tokenizerConfig is not null)
            _folder.Write("tokenizer_config.json", tokenizerConfig);
        if (generationConfig is not null)
            _folder.Write("generation_config.json", generationConfig);
        return _folder.Path;
    }

    private static IReadOnlyList<int> Greedy(LocalModel local) =>
        new GenerationEngine(local.Model).Generate([local.EncodePrompt("abc")], new SamplingOptions { MaxNewTokens = 4 }).Single().CompletionIds;

    [Fact]
    public void AFolderWithNullAndOutOfRangeIdsEverywhereLoadsWarnsAndGenerates()
    {
        string folder = WriteFolder(
            "\"bos_token_id\": null, \"eos_token_id\": [258, 4294967295]",
            """{"bos_token": null, "eos_token": "<|im_end|>", "pad_token": null, "unk_token": null}""",
            """{"bos_token_id": 4294967295, "eos_token_id": [-1, 258, 999], "pad_token_id": null}""");

        using var local = LocalModel.Load(folder);

        Assert.Equal([TinyLocalModels.ImEnd], local.StopTokenIds);
        Assert.Null(local.Tokenizer.BosTokenId);
        Assert.Contains(local.Warnings, w => w.Contains("eos_token_id 4294967295", StringComparison.Ordinal) && w.Contains("config.json", StringComparison.Ordinal));
        Assert.Contains(local.Warnings, w => w.Contains("eos_token_id -1", StringComparison.Ordinal) && w.Contains("generation_config.json", StringComparison.Ordinal));
        // 999 is not negative, so generation_config (which does not know the vocabulary) keeps it; the model drops it.
        Assert.Contains(local.Warnings, w => w.Contains("999 is outside the model's 259 embedding rows", StringComparison.Ordinal));
        Assert.Equal(4, Greedy(local).Count);
    }

    [Fact]
    public void ATokenizerConfigNamingTokensThatDoNotExistLoadsWithoutThem()
    {
        string folder = WriteFolder(
            "\"eos_token_id\": 258",
            """{"add_bos_token": true, "bos_token": "<s>", "eos_token": {"content": "</s>"}}""",
            generationConfig: null);

        using var local = LocalModel.Load(folder);

        Assert.Null(local.Tokenizer.BosTokenId);
        Assert.Null(local.Tokenizer.EosTokenId);
        Assert.False(local.Tokenizer.AddBosToken);
        Assert.Contains(local.Warnings, w => w.Contains("bos_token '<s>'", StringComparison.Ordinal));
        Assert.Contains(local.Warnings, w => w.Contains("eos_token '</s>'", StringComparison.Ordinal));
        Assert.Contains(local.Warnings, w => w.Contains("add_bos_token", StringComparison.Ordinal));
        // config.json's EOS still ends generation.
        Assert.Equal([TinyLocalModels.ImEnd], local.StopTokenIds);
        Assert.Equal([97, 98, 99], local.EncodePrompt("abc"));
    }

    [Fact]
    public void ACleanFolderHasNoWarnings()
    {
        string folder = WriteFolder("\"eos_token_id\": 258", """{"eos_token": "<|im_end|>"}""", """{"eos_token_id": 258}""");

        using var local = LocalModel.Load(folder);

        Assert.Empty(local.Warnings);
        Assert.Equal(TinyLocalModels.ImEnd, local.Tokenizer.EosTokenId);
    }
}
