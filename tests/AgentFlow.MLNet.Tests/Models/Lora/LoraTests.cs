using System.Text.Json.Nodes;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Checkpoints;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Native;
using AgentFlow.MLNet.Tests.Smoke;
using TorchSharp;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models.Lora;

[Collection(TorchCollection.Name)]
public sealed class LoraTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly CausalLM _model;
    private readonly Tensor _ids;

    public LoraTests()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        _model = TinyModels.Create(TinyModels.Qwen2(tied: false));
        _ids = TinyModels.RandomIds(_model.Config, batch: 2, tokens: 6);
    }

    public void Dispose()
    {
        _model.Dispose();
        _temp.Dispose();
    }

    private Tensor Logits(CausalLM model) => model.forward(new CausalLMInput(_ids)).Logits!.detach();

    /// <summary>A few Adam steps on the adapters, so they change the model's output.</summary>
    private void Train(CausalLM model)
    {
        model.train();
        using var optimizer = optim.Adam(model.TrainableParameters(), lr: 0.05);
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.forward(new CausalLMInput(_ids)).Logits!;
            nn.functional.cross_entropy(logits[.., ..^1].reshape(-1, model.Config.VocabSize), _ids[.., 1..].reshape(-1)).backward();
            optimizer.step();
        }
        model.eval();
    }

    [Fact]
    public void FreshAdaptersLeaveTheModelExactlyAsItWas()
    {
        var before = Logits(_model);

        _model.AttachLora(new LoraOptions { Rank = 4, Alpha = 8 });

        Assert.True(Logits(_model).equal(before).all().item<bool>());
        Assert.Equal(2 * 7 * 2, _model.TrainableParameters().Count);
    }

    [Fact]
    public void TrainingMovesOnlyTheAdaptersAndSwitchingThemOffGivesTheBaseBack()
    {
        var baseLogits = Logits(_model);
        var baseWeights = _model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        _model.AttachLora(new LoraOptions { Rank = 4, Alpha = 8, Dropout = 0.1, Seed = 2 });

        Train(_model);

        Assert.False(Logits(_model).allclose(baseLogits, rtol: 1e-3, atol: 1e-3));
        foreach (var (name, weight) in baseWeights)
            Assert.True(_model.state_dict()[name].equal(weight).all().item<bool>(), $"{name} changed although the base is frozen");
        using (_model.WithoutAdapters())
            Assert.True(Logits(_model).equal(baseLogits).all().item<bool>());
        Assert.False(Logits(_model).allclose(baseLogits, rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void MergingFoldsTheAdaptersIntoPlainHuggingFaceWeights()
    {
        _model.AttachLora(new LoraOptions { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj", "down_proj"] });
        Train(_model);
        var adapted = Logits(_model);

        _model.MergeAdapters();

        Assert.True(Logits(_model).allclose(adapted, rtol: 1e-4, atol: 1e-5));
        Assert.DoesNotContain(_model.state_dict().Keys, name => name.Contains("lora"));
        Assert.Null(_model.Lora);
        CausalLMCheckpoint.SaveWeights(_model, _temp.Path);
        using var reloaded = CausalLMCheckpoint.Load(_temp.Path);
        Assert.True(Logits(reloaded).allclose(adapted, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void SavedAdaptersLoadOntoAFreshCopyOfTheBaseInPeftLayout()
    {
        CausalLMCheckpoint.SaveWeights(_model, Path.Combine(_temp.Path, "base"));
        _model.AttachLora(new LoraOptions { Rank = 2, Alpha = 4, TargetModules = ["q_proj", "k_proj", "o_proj"] });
        Train(_model);
        var adapted = Logits(_model);

        LoraCheckpoint.Save(_model, Path.Combine(_temp.Path, "adapter"));
        using var fresh = CausalLMCheckpoint.Load(Path.Combine(_temp.Path, "base"));
        LoraCheckpoint.Load(fresh, Path.Combine(_temp.Path, "adapter"));

        Assert.True(Logits(fresh).equal(adapted).all().item<bool>());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_temp.Path, "adapter", "adapter_config.json")))!;
        Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
        Assert.Equal(2, config["r"]!.GetValue<int>());
        Assert.Equal(4.0, config["lora_alpha"]!.GetValue<double>());
        var names = SafetensorsFile.Open(Path.Combine(_temp.Path, "adapter", "adapter_model.safetensors")).Entries.Keys;
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", names);
        Assert.Contains("base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight", names);
        Assert.Equal(2 * 3 * 2, names.Count());
    }

    [Fact]
    public void AnAdapterForAnotherArchitectureIsRejectedAndLeavesTheModelUntouched()
    {
        using var other = TinyModels.Create(TinyModels.Qwen2(heads: 6, keyValueHeads: 3, tied: false));
        other.AttachLora(new LoraOptions { Rank = 2, Alpha = 4 });
        LoraCheckpoint.Save(other, _temp.Path);
        var before = Logits(_model);

        var error = Assert.Throws<InvalidDataException>(() => LoraCheckpoint.Load(_model, _temp.Path));

        Assert.Contains("shape", error.Message);
        Assert.Null(_model.Lora);
        Assert.True(Logits(_model).equal(before).all().item<bool>());
    }

    [Fact]
    public void MisuseIsRejectedWithTheReason()
    {
        Assert.Equal("Rank", Assert.Throws<ArgumentOutOfRangeException>(() => _model.AttachLora(new LoraOptions { Rank = 0 })).ParamName);
        Assert.Contains("lm_head", Assert.Throws<ArgumentException>(() => _model.AttachLora(new LoraOptions { TargetModules = ["lm_head"] })).Message);
        _model.AttachLora(new LoraOptions());
        Assert.Throws<InvalidOperationException>(() => _model.AttachLora(new LoraOptions()));
        Assert.Contains("MergeAdapters", Assert.Throws<InvalidOperationException>(() => CausalLMCheckpoint.SaveWeights(_model, _temp.Path)).Message);
    }

    [Fact]
    public void WithoutAdaptersRestoresThePreviousStateSoScopesNest()
    {
        _model.AttachLora(new LoraOptions { Rank = 2 });

        using (_model.WithoutAdapters())
        {
            using (_model.WithoutAdapters())
                Assert.False(_model.AdaptersEnabled());
            Assert.False(_model.AdaptersEnabled());
        }
        Assert.True(_model.AdaptersEnabled());
        _model.SetAdaptersEnabled(false);
        using (_model.WithoutAdapters())
        {
        }
        Assert.False(_model.AdaptersEnabled());
    }

    [Fact]
    public void AdaptersStayInFloat32OnABFloat16ModelSoTinyUpdatesAreNotLost()
    {
        using var model = TinyModels.Create(TinyModels.Qwen2(tied: false));
        model.to(ScalarType.BFloat16);
        model.AttachLora(new LoraOptions { Rank = 2 });
        var adapters = model.named_parameters().Where(p => p.name.Contains(".lora_")).ToList();
        var a = adapters.First(p => p.name.Contains("lora_A")).parameter;

        using (no_grad())
        {
            var before = a.clone();
            a.add_(1e-6);
            Assert.True(a.sub(before).abs().max().item<float>() > 0, "a 1e-6 step on an adapter weight was lost");
        }
        Assert.All(adapters, p => Assert.Equal(ScalarType.Float32, p.parameter.dtype));
        var logits = model.forward(new CausalLMInput(TinyModels.RandomIds(model.Config, batch: 1, tokens: 4))).Logits!;
        Assert.Equal(ScalarType.BFloat16, logits.dtype);
    }

    [Fact]
    public void PerRowAdapterRoutingEqualsTheModelWideSwitchRowByRow()
    {
        _model.AttachLora(new LoraOptions { Rank = 4 });
        Train(_model);
        var adapted = Logits(_model);
        Tensor baseLogits;
        using (_model.WithoutAdapters())
            baseLogits = Logits(_model);

        var routed = _model.forward(new CausalLMInput(_ids) { AdapterRows = [false, true] }).Logits!.detach();

        Assert.True(routed[0].allclose(baseLogits[0], rtol: 1e-5, atol: 1e-5));
        Assert.True(routed[1].allclose(adapted[1], rtol: 1e-5, atol: 1e-5));
        Assert.Throws<ArgumentException>(() => _model.forward(new CausalLMInput(_ids) { AdapterRows = [true] }));
    }
}
