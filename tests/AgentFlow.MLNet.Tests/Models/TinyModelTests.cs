using System.Text;
using System.Text.Json;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models;

/// <summary>The built-in tiny model: a seeded, complete model that saves and loads like a real checkpoint.</summary>
[Collection(TorchCollection.Name)]
public sealed class TinyModelTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public TinyModelTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    private static readonly SamplingOptions Greedy = new() { MaxNewTokens = 32 };

    private static GeneratedSequence GenerateGreedily(LocalModel local, string prompt) =>
        new GenerationEngine(local.Model).Generate([local.EncodePrompt(prompt, chat: true)], Greedy).Single();

    private static Tensor Logits(LocalModel local, string text) =>
        local.Model.forward(new CausalLMInput(tensor(local.Tokenizer.Encode(text).Select(id => (long)id).ToArray()).unsqueeze(0))).Logits!;

    [Fact]
    public void TheDefaultsAreTheDocumentedSmallQwen2Model()
    {
        using var tiny = TinyModel.Create();
        var config = tiny.Model.Config;

        Assert.Equal("qwen2", config.ModelType);
        Assert.Equal((128, 2, 4, 2, 32, 384, 2048), (config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads, config.KeyValueHeads, config.HeadDimension, config.IntermediateSize, config.MaxPositionEmbeddings));
        Assert.Equal(259, config.VocabSize);
        Assert.True(config.TieWordEmbeddings && config.AttentionBias);
        // 259 × 128 tied embeddings + 2 × (attention 49,408 + MLP 147,456 + norms 256) + final norm 128.
        Assert.Equal(427_520, tiny.Model.Describe().ParameterCount);
        Assert.Equal(ChatTemplateKind.ChatML, tiny.ChatTemplate.Kind);
        Assert.Equal([258], tiny.StopTokenIds);
    }

    [Fact]
    public void TheTokenizerIsTheBytesThenTheChatMLTokens()
    {
        var tokenizer = TinyModel.Tokenizer();

        Assert.Equal([256, 257, 258], [tokenizer.SpecialTokens[TinyModel.EndOfText], tokenizer.SpecialTokens[TinyModel.ImStart], tokenizer.SpecialTokens[TinyModel.ImEnd]]);
        Assert.Equal([257, 0x75, 0x73, 0x65, 0x72, 10, 0xE2, 0x9C, 0x93, 258], tokenizer.Encode("<|im_start|>user\n✓<|im_end|>"));
        Assert.Equal(258, tokenizer.EosTokenId);
        Assert.Equal(TinyModel.ChatTemplateText, tokenizer.ChatTemplateText);
    }

    [Fact]
    public void TheJinjaTemplateRendersWhatTheChatMLFormatRenders()
    {
        ChatTurn[] conversation = [new("system", "S"), new("user", "U"), new("assistant", "calling"), new("tool", "r1"), new("tool", "r2"), new("user", "U2")];

        string rendered = ChatTemplate.Detect(TinyModel.ChatTemplateText).Render(conversation, addGenerationPrompt: true);

        // What @huggingface/jinja 0.5.11 renders from TinyModel.ChatTemplateText for the same messages.
        Assert.Equal(
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\ncalling<|im_end|>\n<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n",
            rendered);
    }

    [Fact]
    public void OneSeedAlwaysGivesTheSameWeightsAndAnotherSeedOthers()
    {
        using var scope = NewDisposeScope();
        var options = new TinyModelOptions { HiddenSize = 64, Layers = 1, IntermediateSize = 96, Seed = 7 };
        using var first = TinyModel.Create(options);
        using var again = TinyModel.Create(options);
        using var other = TinyModel.Create(options with { Seed = 8 });

        var weight = (LocalModel m) => m.Model.state_dict()["model.layers.0.self_attn.q_proj.weight"];
        Assert.True(weight(first).equal(weight(again)).all().item<bool>());
        Assert.False(weight(first).equal(weight(other)).all().item<bool>());
        // Initialised as Hugging Face does: normal with std 0.02, zero biases.
        Assert.InRange(weight(first).std().item<float>(), 0.018f, 0.022f);
        Assert.Equal(0, first.Model.state_dict()["model.layers.0.self_attn.q_proj.bias"].abs().sum().item<float>());
    }

    [Fact]
    public void ASavedFolderLoadsBackAsTheSameModel()
    {
        using var scope = NewDisposeScope();
        using var tiny = TinyModel.Create(new TinyModelOptions { Seed = 3 });
        string folder = Path.Combine(_temp.Path, "tiny");

        CausalLMCheckpoint.Save(tiny, folder);
        using var loaded = LocalModel.Load(folder);

        Assert.Equal(
            ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(GenerateGreedily(tiny, "Hi!").CompletionIds, GenerateGreedily(loaded, "Hi!").CompletionIds);
        Assert.True(Logits(tiny, "any text ✓").equal(Logits(loaded, "any text ✓")).all().item<bool>());
        Assert.Equal(ChatTemplateKind.ChatML, loaded.ChatTemplate.Kind);
        Assert.Equal(tiny.StopTokenIds, loaded.StopTokenIds);
        Assert.Equal(tiny.Tokenizer.ChatTemplateText, loaded.Tokenizer.ChatTemplateText);
    }

    [Fact]
    public void ASavedGgufLoadsBackAsTheSameModel()
    {
        using var scope = NewDisposeScope();
        using var tiny = TinyModel.Create(new TinyModelOptions { Seed = 4 });
        string path = Path.Combine(_temp.Path, "tiny.gguf");

        CausalLMCheckpoint.SaveGguf(tiny, path, GgmlType.F32);
        using var loaded = LocalModel.Load(path);

        Assert.Equal(GenerateGreedily(tiny, "Hi!").CompletionIds, GenerateGreedily(loaded, "Hi!").CompletionIds);
        Assert.True(Logits(tiny, "any text ✓").equal(Logits(loaded, "any text ✓")).all().item<bool>());
        Assert.Equal(ChatTemplateKind.ChatML, loaded.ChatTemplate.Kind);
        Assert.Equal(tiny.StopTokenIds, loaded.StopTokenIds);
        using var file = GgufFile.Open(path);
        Assert.Equal("gpt-2", file.Metadata.GetString("tokenizer.ggml.pre"));
    }

    [Fact]
    public void AnyUtf8TextRoundTripsThroughTheSavedTokenizer()
    {
        using var tiny = TinyModel.Create(new TinyModelOptions { HiddenSize = 32, Layers = 1, AttentionHeads = 2, KeyValueHeads = 1, IntermediateSize = 32 });
        string folder = Path.Combine(_temp.Path, "tiny");
        CausalLMCheckpoint.Save(tiny, folder);
        var reloaded = LocalModel.LoadTokenizer(folder);
        string gguf = Path.Combine(_temp.Path, "tiny.gguf");
        CausalLMCheckpoint.SaveGguf(tiny, gguf, GgmlType.F32);
        var fromGguf = LocalModel.LoadTokenizer(gguf);

        var random = new Random(11);
        string[] fixedSamples = ["", "中文分词测试，你好世界！", "emoji 😀👍🏽 👨‍👩‍👧 🇫🇷", "e\u0301 (decomposed, not normalised)", "\0\u0001\u007f\r\n\t", "<|im_start|>x<|im_end|><|endoftext|>"];
        var samples = fixedSamples.Concat(Enumerable.Range(0, 100).Select(_ => RandomText(random)));
        foreach (string text in samples)
        {
            var ids = tiny.Tokenizer.Encode(text);
            Assert.Equal(text, tiny.Tokenizer.Decode(ids));
            Assert.Equal(ids, reloaded.Encode(text));
            Assert.Equal(ids, fromGguf.Encode(text));
            Assert.Equal(text, reloaded.Decode(ids));
        }
    }

    [Fact]
    public void TheSavedTokenizerJsonIsAStandardByteLevelBpe()
    {
        using var tiny = TinyModel.Create(new TinyModelOptions { HiddenSize = 32, Layers = 1, AttentionHeads = 2, KeyValueHeads = 1, IntermediateSize = 32 });
        string folder = Path.Combine(_temp.Path, "tiny");

        CausalLMCheckpoint.Save(tiny, folder);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer.json")));
        var model = json.RootElement.GetProperty("model");
        Assert.Equal("BPE", model.GetProperty("type").GetString());
        Assert.Equal(256, model.GetProperty("vocab").EnumerateObject().Count());
        Assert.Equal(32, model.GetProperty("vocab").GetProperty("Ġ").GetInt32()); // GPT-2's symbol for the space byte
        Assert.Equal(0, model.GetProperty("merges").GetArrayLength());
        // Hugging Face's tokenizers.js 0.2.0 loads these two files and gives the ids Encode gives (checked by hand).
        Assert.Equal(["<|endoftext|>", "<|im_start|>", "<|im_end|>"], json.RootElement.GetProperty("added_tokens").EnumerateArray().Select(t => t.GetProperty("content").GetString()));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer_config.json")));
        Assert.Equal("<|im_end|>", config.RootElement.GetProperty("eos_token").GetString());
        Assert.Equal(TinyModel.ChatTemplateText, config.RootElement.GetProperty("chat_template").GetString());
    }

    [Theory]
    [InlineData(nameof(TinyModelOptions.HiddenSize), 0)]
    [InlineData(nameof(TinyModelOptions.Layers), -1)]
    [InlineData(nameof(TinyModelOptions.ContextLength), 0)]
    [InlineData(nameof(TinyModelOptions.Seed), -2)]
    public void AnOptionOutOfRangeIsNamed(string option, int value)
    {
        var options = option switch
        {
            nameof(TinyModelOptions.HiddenSize) => new TinyModelOptions { HiddenSize = value },
            nameof(TinyModelOptions.Layers) => new TinyModelOptions { Layers = value },
            nameof(TinyModelOptions.ContextLength) => new TinyModelOptions { ContextLength = value },
            _ => new TinyModelOptions { Seed = value },
        };

        var error = Assert.Throws<ArgumentException>(() => TinyModel.Create(options));

        Assert.Contains($"TinyModelOptions.{option}", error.Message);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void HeadsThatDoNotSplitTheWidthAreNamed()
    {
        Assert.Contains("AttentionHeads (3)", Assert.Throws<ArgumentException>(() => TinyModel.Create(new TinyModelOptions { AttentionHeads = 3 })).Message);
        Assert.Contains("KeyValueHeads (3)", Assert.Throws<ArgumentException>(() => TinyModel.Create(new TinyModelOptions { KeyValueHeads = 3 })).Message);
    }

    [Fact]
    public void ATokenizerLargerThanTheEmbeddingIsRefused()
    {
        using var model = TinyModels.Create(TinyModels.Llama());

        var error = Assert.Throws<ArgumentException>(() => CausalLMCheckpoint.Save(model, TinyModel.Tokenizer(), _temp.Path));

        Assert.Contains("259 tokens", error.Message);
        Assert.Contains("61 rows", error.Message);
    }

    /// <summary>Random Unicode scalar values from every plane a user meets: ASCII, Latin, CJK, emoji, controls.</summary>
    private static string RandomText(Random random)
    {
        var text = new StringBuilder();
        for (int i = random.Next(0, 30); i > 0; i--)
        {
            int codePoint = random.Next(5) switch
            {
                0 => random.Next(0x0, 0x80),
                1 => random.Next(0x80, 0x800),
                2 => random.Next(0x4E00, 0xA000),
                3 => random.Next(0x1F300, 0x1FB00),
                _ => random.Next(0xE000, 0x10FFFF),
            };
            text.Append(char.ConvertFromUtf32(codePoint));
        }
        return text.ToString();
    }
}
