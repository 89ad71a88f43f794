using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class PolicyOptimizerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public PolicyOptimizerTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    private static readonly (int, int, double)[] Layout = [(0, 0, 1.0), (0, 1, -1.0), (1, 0, 0.5), (1, 1, -0.5)];

    private static CausalLM Bf16Model()
    {
        var model = TinyModels.Create(TinyModels.Llama());
        model.to(ScalarType.BFloat16);
        return model;
    }

    [Fact]
    public void Fp32MastersKeepTinyUpdatesOfABf16ModelThatPlainBf16AdamWLoses()
    {
        const double lr = 1e-6;
        const int updates = 10;
        using var model = Bf16Model();
        var turns = PolicyTurns.Create(model, Layout, seed: 4);
        var options = new FlowGrpoOptions { Beta = 0, LearningRate = lr, WeightDecay = 0, MiniBatchSize = 0 };
        using var updater = new PolicyUpdater(model, options, totalSteps: updates);
        var initial = model.parameters().Select(p => p.detach().clone()).ToList();
        var masters = updater.Optimizer.Masters!;
        Assert.All(masters, m => Assert.Equal(ScalarType.Float32, m.dtype));

        // The gradient of the first step, to replay through plain bf16 AdamW below.
        updater.AccumulateGradients(turns);
        var gradients = masters.Select(m => m.grad!.clone()).ToList();
        updater.Optimizer.ZeroGradients();

        updater.Update(turns);

        // Adam's first step moves every element with a gradient by lr (m̂ / √v̂ = ±1): in fp32 that is all kept.
        var moved = masters.Zip(initial, (m, w) => (m - w.to(ScalarType.Float32)).abs()).ToList();
        double keptByMasters = Fraction(moved.Zip(gradients, (d, g) => d.gt(0.5 * lr).logical_and(g.ne(0))), gradients.Select(g => g.ne(0)));
        Assert.True(keptByMasters > 0.99, $"only {keptByMasters:P1} of the elements with a gradient moved in the fp32 masters");
        Assert.All(masters.Zip(model.parameters()), pair => Assert.True(pair.Second.equal(pair.First.to(ScalarType.BFloat16)).all().item<bool>()));

        // Plain AdamW on the bf16 weights with the same gradient: the step rounds away almost everywhere.
        var plain = initial.Select(w => new Parameter(w.clone(), requires_grad: true)).ToList();
        using var plainAdam = new AdamW(plain, lr, 0.9, 0.999, 1e-8, 0);
        for (int i = 0; i < plain.Count; i++)
            plain[i].grad = gradients[i].to(ScalarType.BFloat16);
        plainAdam.step();
        double keptByPlain = Fraction(plain.Zip(initial, (p, w) => p.ne(w)), gradients.Select(g => g.ne(0)));
        Assert.True(keptByPlain < 0.05, $"plain bf16 AdamW kept {keptByPlain:P1} of its updates");

        // Repeated tiny steps add up in the masters until they show in the bf16 weights; plain AdamW keeps losing them.
        for (int step = 1; step < updates; step++)
        {
            updater.Update(turns);
            plainAdam.step();
        }
        long changedWithMasters = model.parameters().Zip(initial, (p, w) => p.ne(w).sum().item<long>()).Sum();
        long changedPlain = plain.Zip(initial, (p, w) => p.ne(w).sum().item<long>()).Sum();
        Assert.True(changedWithMasters > 5 * Math.Max(1, changedPlain), $"bf16 weights changed: {changedWithMasters} with masters, {changedPlain} with plain bf16 AdamW");
    }

    private static double Fraction(IEnumerable<Tensor> hits, IEnumerable<Tensor> of) =>
        (double)hits.Sum(h => h.sum().item<long>()) / of.Sum(o => o.sum().item<long>());

    /// <summary>A policy as a run would build it: LoRA on an fp32 base, or a bf16 model fully fine-tuned against a frozen copy.</summary>
    private static (CausalLM Model, CausalLM? Reference) Policy(bool lora)
    {
        if (lora)
        {
            var model = TinyModels.Create(TinyModels.Qwen2(tied: false));
            model.AttachLora(new LoraOptions { Rank = 4, Alpha = 8, Seed = 2 });
            return (model, null);
        }
        return (Bf16Model(), Bf16Model());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SavedAndRestoredOptimizerStateContinuesBitForBit(bool lora)
    {
        var options = new FlowGrpoOptions
        {
            LearningRate = 1e-3, WarmupSteps = 1, LrScheduler = LearningRateScheduler.Cosine, MinLearningRateRatio = 0.1,
            MiniBatchSize = 1, PpoEpochs = 2, MicroBatchTokens = 24,
        };
        List<TrainingTurn> StepTurns(CausalLM model, int step) => PolicyTurns.Create(model, Layout, seed: 10 + step, noise: 0.2);

        // Uninterrupted: two training steps.
        var (straight, straightReference) = Policy(lora);
        using var straightUpdater = new PolicyUpdater(straight, options, totalSteps: 4, straightReference);
        var turns1 = StepTurns(straight, 1);
        var turns2 = StepTurns(straight, 2);
        straightUpdater.Update(turns1);
        straightUpdater.Update(turns2);

        // Interrupted after the first step: save, then continue in fresh objects.
        var (first, firstReference) = Policy(lora);
        using (var firstUpdater = new PolicyUpdater(first, options, totalSteps: 4, firstReference))
        {
            firstUpdater.Update(turns1);
            firstUpdater.SaveState(_temp.Path);
        }
        var (resumed, resumedReference) = Policy(lora);
        using (no_grad())
        {
            foreach (var (name, weight) in first.state_dict())
                resumed.state_dict()[name].copy_(weight);
        }
        using var resumedUpdater = new PolicyUpdater(resumed, options, totalSteps: 4, resumedReference);
        resumedUpdater.LoadState(_temp.Path);
        Assert.Equal(1, resumedUpdater.Step);
        resumedUpdater.Update(turns2);

        Assert.Equal(straightUpdater.Step, resumedUpdater.Step);
        Assert.Equal(straightUpdater.LearningRate, resumedUpdater.LearningRate);
        foreach (var (name, weight) in straight.state_dict())
            Assert.True(resumed.state_dict()[name].equal(weight).all().item<bool>(), $"{name} differs after resuming");
        var a = straightUpdater.Optimizer;
        var b = resumedUpdater.Optimizer;
        for (int i = 0; i < a.Trainable.Count; i++)
        {
            Assert.Equal(a.StateOf(i).step, b.StateOf(i).step);
            Assert.True(a.StateOf(i).exp_avg.equal(b.StateOf(i).exp_avg).all().item<bool>(), $"exp_avg of {a.Trainable[i].Name} differs");
            Assert.True(a.StateOf(i).exp_avg_sq.equal(b.StateOf(i).exp_avg_sq).all().item<bool>(), $"exp_avg_sq of {a.Trainable[i].Name} differs");
            if (!lora)
                Assert.True(a.Masters![i].equal(b.Masters![i]).all().item<bool>(), $"master of {a.Trainable[i].Name} differs");
        }
        Assert.Equal(lora, a.Masters is null);
        // Two steps really moved the weights (the comparison above is not of untouched models).
        Assert.Equal(8, a.StateOf(0).step);
        foreach (var model in new[] { straight, straightReference, first, firstReference, resumed, resumedReference })
            model?.Dispose();
    }

    [Fact]
    public void AStateSavedForOtherParametersIsRefused()
    {
        var (lora, _) = Policy(lora: true);
        using (var updater = new PolicyUpdater(lora, new FlowGrpoOptions(), totalSteps: 1))
            updater.SaveState(_temp.Path);
        using var full = TinyModels.Create(TinyModels.Qwen2(tied: false));
        using var fullUpdater = new PolicyUpdater(full, new FlowGrpoOptions { Beta = 0 }, totalSteps: 1);

        Assert.Contains("trainable", Assert.Throws<InvalidDataException>(() => fullUpdater.LoadState(_temp.Path)).Message);
        Assert.Throws<FileNotFoundException>(() => fullUpdater.LoadState(_temp.File("missing")));
        lora.Dispose();
    }
}
