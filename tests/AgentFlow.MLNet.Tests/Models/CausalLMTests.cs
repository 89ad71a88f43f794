using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using TorchSharp;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models;

[Collection(TorchCollection.Name)]
public sealed class CausalLMTests
{
    public CausalLMTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public static TheoryData<string> Architectures => ["llama-gqa", "llama-mha-tied", "llama-mqa", "llama3-scaled", "qwen2-bias-tied", "qwen2-untied"];

    private static CausalLMConfig ConfigFor(string name) => name switch
    {
        "llama-gqa" => TinyModels.Llama(heads: 4, keyValueHeads: 2),
        "llama-mha-tied" => TinyModels.Llama(heads: 4, keyValueHeads: 4, tied: true),
        "llama-mqa" => TinyModels.Llama(heads: 4, keyValueHeads: 1),
        "llama3-scaled" => TinyModels.Llama(scaling: new Llama3RopeScaling(Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 256)),
        "qwen2-bias-tied" => TinyModels.Qwen2(),
        "qwen2-untied" => TinyModels.Qwen2(heads: 6, keyValueHeads: 2, tied: false),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void LogitsMatchAPlainReferenceImplementation(string architecture)
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Create(ConfigFor(architecture));
        long[] ids = [5, 17, 3, 42, 9, 11, 0, 23, 8, 30];

        var logits = model.forward(new CausalLMInput(tensor(ids).unsqueeze(0))).Logits!;
        var expected = ReferenceDecoder.Logits(model, ids);

        Assert.Equal([1, ids.Length, model.Config.VocabSize], logits.shape);
        double worst = (logits[0].to(ScalarType.Float64) - expected).abs().max().item<double>();
        Assert.True(worst < 1e-4, $"largest logit difference {worst}");
    }

    [Fact]
    public void ALeftPaddedRowComputesWhatItComputesAlone()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Create(TinyModels.Llama());
        long[] shortRow = [7, 8, 9];
        long[] longRow = [1, 2, 3, 4, 5, 6];
        var ids = tensor(new long[] { 0, 0, 0, 7, 8, 9, 1, 2, 3, 4, 5, 6 }).reshape(2, 6);
        var mask = tensor(new long[] { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 }).reshape(2, 6);

        var batched = model.forward(new CausalLMInput(ids) { AttentionMask = mask }).Logits!;
        var aloneShort = model.forward(new CausalLMInput(tensor(shortRow).unsqueeze(0))).Logits!;
        var aloneLong = model.forward(new CausalLMInput(tensor(longRow).unsqueeze(0))).Logits!;

        Assert.True(batched[0, 3..].allclose(aloneShort[0], rtol: 1e-5, atol: 1e-5));
        Assert.True(batched[1].allclose(aloneLong[0], rtol: 1e-5, atol: 1e-5));
        Assert.False(batched.isnan().any().item<bool>());
    }

    [Fact]
    public void LastTokenLogitsAreTheLastRowOfAllLogits()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Create(TinyModels.Qwen2());
        var ids = TinyModels.RandomIds(model.Config, batch: 3, tokens: 7);

        var all = model.forward(new CausalLMInput(ids)).Logits!;
        var last = model.forward(new CausalLMInput(ids) { Logits = LogitsSelection.LastToken });
        var none = model.forward(new CausalLMInput(ids) { Logits = LogitsSelection.None });

        Assert.Equal([3, 1, model.Config.VocabSize], last.Logits!.shape);
        Assert.True(last.Logits.allclose(all[.., ^1..], rtol: 1e-6, atol: 1e-6));
        Assert.Null(none.Logits);
        Assert.True(model.ProjectToVocabulary(none.LastHiddenState).allclose(all, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void GradientsReachEveryParameter()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Create(TinyModels.Qwen2(tied: false));
        model.train();
        var ids = TinyModels.RandomIds(model.Config, batch: 2, tokens: 5);

        var logits = model.forward(new CausalLMInput(ids)).Logits!;
        nn.functional.cross_entropy(logits[.., ..^1].reshape(-1, model.Config.VocabSize), ids[.., 1..].reshape(-1)).backward();

        var withoutGradient = model.named_parameters().Where(p => p.parameter.grad is null || p.parameter.grad.abs().sum().item<float>() == 0).Select(p => p.name).ToList();
        Assert.Empty(withoutGradient);
    }

    [Fact]
    public void ParameterNamesAreTheHuggingFaceOnes()
    {
        using var model = TinyModels.Create(TinyModels.Qwen2(tied: false));

        var names = model.state_dict().Keys.ToHashSet();

        Assert.Contains("model.embed_tokens.weight", names);
        Assert.Contains("model.layers.1.self_attn.q_proj.bias", names);
        Assert.Contains("model.layers.0.self_attn.o_proj.weight", names);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", names);
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", names);
        Assert.Contains("model.layers.0.post_attention_layernorm.weight", names);
        Assert.Contains("model.norm.weight", names);
        Assert.Contains("lm_head.weight", names);
        Assert.DoesNotContain(names, n => n.Contains("inv_freq"));
        // Nothing but the checkpoint's tensors: a helper tensor a module keeps (rotary frequencies, the norm's eps)
        // must not turn into a saved entry that checkpoint loaders would reject as unexpected.
        var parameterNames = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Empty(names.Except(parameterNames));
        Assert.Empty(parameterNames.Except(names));
    }

    [Fact]
    public void DescribeCountsEveryParameterOnceAndReportsTheFootprint()
    {
        var config = TinyModels.Llama(heads: 4, keyValueHeads: 2, tied: true);
        using var model = new CausalLM(config);
        long d = config.HiddenSize, kv = config.KeyValueHeads * config.HeadDimension, ffn = config.IntermediateSize;
        long perLayer = d * d + 2 * d * kv + d * d + 3 * d * ffn + 2 * d;
        long expected = config.VocabSize * d + config.NumHiddenLayers * perLayer + d;

        var info = model.Describe();

        Assert.Equal(expected, info.ParameterCount);
        Assert.Equal(expected * 4, info.ParameterBytes);
        Assert.Equal(ScalarType.Float32, info.DType);
        Assert.Equal("cpu", info.Device);
        Assert.Equal(128, info.ContextLength);
        Assert.True(info.TiedEmbeddings);
    }

    [Fact]
    public void Bfloat16ComputeStaysCloseToFloat32()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Create(TinyModels.Llama());
        var ids = TinyModels.RandomIds(model.Config, batch: 1, tokens: 6);
        var reference = model.forward(new CausalLMInput(ids)).Logits!;

        model.to(ScalarType.BFloat16);
        var reduced = model.forward(new CausalLMInput(ids)).Logits!;

        Assert.Equal(ScalarType.BFloat16, reduced.dtype);
        Assert.True((reduced.to(ScalarType.Float32) - reference).abs().max().item<float>() < 0.1);
    }
}
