using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models;

[Collection(TorchCollection.Name)]
public sealed class LocalModelTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public LocalModelTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    private static Tensor Logits(CausalLM model, Tensor ids) => model.forward(new CausalLMInput(ids)).Logits!;

    [Theory]
    [InlineData("llama", false)]
    [InlineData("llama", true)]
    [InlineData("qwen2", true)]
    public void AModelSavedAsFloat32GgufLoadsBackWithIdenticalLogits(string family, bool tied)
    {
        using var scope = NewDisposeScope();
        var config = family == "llama" ? TinyModels.Llama(tied: tied) : TinyModels.Qwen2(tied: tied, headDim: TinyModels.LlamaCppHeadDim);
        using var original = TinyModels.Create(config);
        string path = Path.Combine(_temp.Path, "tiny.gguf");
        var ids = TinyModels.RandomIds(config, batch: 2, tokens: 7);

        CausalLMCheckpoint.WriteGguf(original, path, GgmlType.F32, vocabulary: null);
        using var loaded = CausalLMCheckpoint.Load(path);

        Assert.True(Logits(original, ids).equal(Logits(loaded, ids)).all().item<bool>());
    }

    [Fact]
    public void Q8GgufLogitsStayCloseToTheOriginal()
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Llama() with { HiddenSize = 64, IntermediateSize = 96 };
        using var original = TinyModels.Create(config);
        string path = Path.Combine(_temp.Path, "q8.gguf");
        var ids = TinyModels.RandomIds(config, batch: 1, tokens: 6);

        CausalLMCheckpoint.WriteGguf(original, path, GgmlType.Q8_0, vocabulary: null);
        using var loaded = CausalLMCheckpoint.Load(path);

        // 8-bit weights: each logit moves by a small fraction of the logits' spread, but they do move.
        var reference = Logits(original, ids);
        float difference = (reference - Logits(loaded, ids)).abs().max().item<float>();
        float spread = (reference.max() - reference.min()).item<float>();
        Assert.InRange(difference / spread, 1e-7f, 0.02f);
    }

    [Fact]
    public void AGgufWithLlama3ScalingKeepsItsRotaryFrequencies()
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Llama(scaling: new Llama3RopeScaling(8, 1, 4, 256));
        using var original = TinyModels.Create(config);
        string path = Path.Combine(_temp.Path, "llama3.gguf");
        var ids = TinyModels.RandomIds(config, batch: 1, tokens: 9);

        CausalLMCheckpoint.WriteGguf(original, path, GgmlType.F32, vocabulary: null);
        using var loaded = CausalLMCheckpoint.Load(path);

        Assert.NotNull(loaded.RopeFrequencyDivisors);
        Assert.True(Logits(original, ids).allclose(Logits(loaded, ids), rtol: 1e-5, atol: 1e-5));
        Assert.Throws<NotSupportedException>(() => CausalLMCheckpoint.SaveWeights(loaded, Path.Combine(_temp.Path, "hf")));
    }

    [Fact]
    public void AGgufFileLoadsAsACompleteLocalModelWithItsTokenizerAndTemplate()
    {
        string path = Path.Combine(_temp.Path, "chat.gguf");
        using var original = TinyLocalModels.SaveGguf(path);

        using var local = LocalModel.Load(path);

        Assert.Equal(ChatTemplateKind.ChatML, local.ChatTemplate.Kind);
        Assert.Contains(TinyLocalModels.ImEnd, local.StopTokenIds);
        Assert.Equal("héllo wörld ✓", local.Tokenizer.Decode(local.EncodePrompt("héllo wörld ✓")));
        var chat = local.EncodePrompt("hi", chat: true);
        Assert.Equal(TinyLocalModels.ImStart, chat[0]);
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", local.Tokenizer.Decode(chat));
        Assert.Equal(path, local.Source);
    }

    [Fact]
    public void AFolderLoadsWithItsTokenizerAndGenerationDefaults()
    {
        string folder = Path.Combine(_temp.Path, "qwen");
        string tokenizerFolder = TestData.Qwen3TokenizerFolder;
        var config = TinyModels.Qwen2() with { VocabSize = 151_669, HiddenSize = 16, HeadDim = 4, IntermediateSize = 16, NumHiddenLayers = 1, EosTokenIds = [151645] };
        using (var model = TinyModels.Create(config))
            CausalLMCheckpoint.SaveWeights(model, folder);
        foreach (string file in (string[])["tokenizer.json", "tokenizer_config.json"])
            File.Copy(Path.Combine(tokenizerFolder, file), Path.Combine(folder, file));
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), """{"do_sample": true, "temperature": 0.7, "top_p": 0.8, "eos_token_id": [151645, 151643]}""");

        using var local = LocalModel.Load(folder);

        Assert.Equal(ChatTemplateKind.ChatML, local.ChatTemplate.Kind);
        Assert.Equal([9707, 1879], local.EncodePrompt("Hello world"));
        Assert.Equal(0.7, local.Defaults.Temperature);
        Assert.Equal([151645, 151643], local.StopTokenIds.Order().Reverse());
    }

    [Fact]
    public void MissingOrBrokenFilesAreNamed()
    {
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => LocalModel.Load(Path.Combine(_temp.Path, "none.gguf"))).Message);
        string broken = Path.Combine(_temp.Path, "broken.gguf");
        File.WriteAllText(broken, "not a gguf file at all");
        var error = Assert.ThrowsAny<Exception>(() => LocalModel.Load(broken));
        Assert.Contains(broken, error.Message);
    }
}
