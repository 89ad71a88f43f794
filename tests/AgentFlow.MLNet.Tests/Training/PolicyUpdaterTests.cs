using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Models.Scoring;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Training;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class PolicyUpdaterTests
{
    public PolicyUpdaterTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    /// <summary>Two questions of three trajectories, advantages of both signs.</summary>
    private static readonly (int, int, double)[] Layout =
    [
        (0, 0, 1.2), (0, 1, -0.4), (0, 2, -0.8),
        (1, 0, 0.7), (1, 1, 0.7), (1, 2, -1.4),
    ];

    private static CausalLM Model(int seed = 1) => TinyModels.Create(TinyModels.Llama(), seed);

    private static Dictionary<string, Tensor> Gradients(CausalLM model) =>
        model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone());

    /// <summary>
    /// The obvious whole-batch computation the updater must reproduce: every completion scored with its graph in one
    /// padded batch, the loss of all tokens at once, one backward.
    /// </summary>
    private static void ObviousBackward(CausalLM model, CausalLM reference, IReadOnlyList<TrainingTurn> turns, FlowGrpoOptions options)
    {
        var sequences = turns.Select(t => new ScoredSequence(t.Sample.PromptIds, t.Sample.CompletionIds)).ToList();
        double temperature = turns[0].Sample.Temperature;
        var referenceLogProbs = PolicyTurns.LogProbs(reference, sequences, temperature);
        var weights = LossWeights.PerSample(turns, options.LossAggregation, options.MaxCompletionTokens);
        var scores = new CompletionScorer(model).Score(sequences, temperature, entropy: true);
        var real = scores.Mask.to(ScalarType.Bool);
        float[] PerToken(Func<int, int, double> value) => turns.SelectMany((t, i) => Enumerable.Range(0, t.Sample.CompletionIds.Count).Select(j => (float)value(i, j))).ToArray();
        var tokens = new PolicyTokens(
            scores.LogProbs.masked_select(real),
            tensor(PerToken((i, j) => turns[i].Sample.SamplingLogProbs[j])),
            tensor(PerToken((i, j) => referenceLogProbs[i][j])),
            tensor(PerToken((i, _) => turns[i].Advantage)),
            scores.Entropy!.masked_select(real),
            tensor(PerToken((i, _) => weights[i])));
        PolicyLoss.Compute(tokens, options).Loss.backward();
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.PaperNested)]
    [InlineData(LossAggregation.RolloutMean)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm)]
    public void MicroBatchedGradientEqualsTheWholeBatchGradient(LossAggregation aggregation)
    {
        using var model = Model();
        using var reference = Model(seed: 5);
        var turns = PolicyTurns.Create(model, Layout, seed: 7, noise: 0.3);
        var options = new FlowGrpoOptions { Beta = 0.1, EntropyCoefficient = 0.01, LossAggregation = aggregation, MiniBatchSize = 0, MaxCompletionTokens = 8 };

        ObviousBackward(model, reference, turns, options);
        var expected = Gradients(model);
        var losses = new List<double>();
        foreach (int budget in new[] { 1, 20, 100_000 })
        {
            model.zero_grad();
            using var updater = new PolicyUpdater(model, options with { MicroBatchTokens = budget }, totalSteps: 1, reference);
            losses.Add(updater.AccumulateGradients(turns));
            foreach (var (name, parameter) in model.named_parameters())
                Assert.True(parameter.grad!.allclose(expected[name], rtol: 1e-4, atol: 1e-5 * expected[name].abs().max().item<float>()), $"{aggregation}, budget {budget}: gradient of {name} differs by {(parameter.grad! - expected[name]).abs().max().item<float>()} of {expected[name].abs().max().item<float>()}");
        }
        Assert.Equal(losses[0], losses[2], 5);
        Assert.Equal(losses[1], losses[2], 5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APositiveAdvantageRaisesItsTokensLogProbAndANegativeOneLowersIt(bool lora)
    {
        using var model = Model();
        using var reference = Model();
        if (lora)
            model.AttachLora(new LoraOptions { Rank = 4, Alpha = 8, Seed = 3 });
        var samples = PolicyTurns.Create(model, [(0, 0, 0), (0, 1, 0)], seed: 9).Select(t => t.Sample).ToList();
        var options = new FlowGrpoOptions { LearningRate = lora ? 1e-2 : 1e-3 };
        var advantages = GroupAdvantages.Compute([new(0, 0, 1.0), new(0, 1, 0.0)], samples, options);
        var before = PolicyTurns.SequenceLogProbs(model, advantages.Turns);

        using var updater = new PolicyUpdater(model, options, totalSteps: 1, lora ? null : reference);
        var result = updater.Update(advantages.Turns);
        var after = PolicyTurns.SequenceLogProbs(model, advantages.Turns);

        Assert.True(advantages.Turns[0].Advantage > 0 && advantages.Turns[1].Advantage < 0);
        Assert.True(after[0] > before[0] + 1e-3, $"the rewarded completion went from {before[0]} to {after[0]}");
        Assert.True(after[1] < before[1] - 1e-3, $"the unrewarded completion went from {before[1]} to {after[1]}");
        Assert.Equal((1, 0, 1), (result.OptimizerSteps, result.SkippedSteps, updater.Step));
        Assert.True(result.LogProbDrift < 1e-5, $"sampled and recomputed log-probs differ by {result.LogProbDrift}");
        Assert.Equal(1.0, result.Statistics.MeanRatio, 4);
        Assert.Equal(0.0, result.Statistics.MeanKl, 6);
        Assert.True(double.IsFinite(result.GradNorm) && result.GradNorm > 0);
    }

    [Fact]
    public void TokenFidelityMeasuresTheGapBetweenSampledAndRecomputedLogProbs()
    {
        using var model = Model();
        var clean = PolicyTurns.Create(model, Layout, seed: 7);
        // A sampler whose log-probs are off by exactly ±0.05 on every token.
        var shifted = clean.Select((t, i) => t with { Sample = t.Sample with { SamplingLogProbs = t.Sample.SamplingLogProbs.Select(v => v + (i % 2 == 0 ? 0.05f : -0.05f)).ToArray() } }).ToList();
        var options = new FlowGrpoOptions { Beta = 0, MiniBatchSize = 1 };

        using var sampling = new PolicyUpdater(model, options, totalSteps: 1);
        var measuredOnFirstMiniBatch = sampling.Update(shifted);
        using var fresh = Model();
        using var recomputed = new PolicyUpdater(fresh, options with { OldLogProbs = OldLogProbSource.Recomputed }, totalSteps: 1);
        var measuredOnAll = recomputed.Update(shifted);

        Assert.Equal(0.05, measuredOnFirstMiniBatch.LogProbDrift, 4);
        Assert.Equal(shifted.Where(t => t.Sample.GroupIndex == 0).Sum(t => t.Sample.CompletionIds.Count), measuredOnFirstMiniBatch.DriftTokens);
        Assert.Equal(0.05, measuredOnAll.LogProbDrift, 4);
        Assert.Equal(measuredOnAll.Tokens, measuredOnAll.DriftTokens);
        Assert.Equal(2, measuredOnAll.OptimizerSteps);
    }

    [Fact]
    public void ANonFiniteLossSkipsTheStepLeavesTheWeightsAndIsCountedUntilAGoodStep()
    {
        using var model = Model();
        var good = PolicyTurns.Create(model, Layout, seed: 7);
        var corrupt = good.Select((t, i) => i != 2 ? t : t with { Sample = t.Sample with { SamplingLogProbs = t.Sample.SamplingLogProbs.Select(_ => float.NaN).ToArray() } }).ToList();
        var options = new FlowGrpoOptions { Beta = 0, MiniBatchSize = 0, LearningRate = 1e-3 };
        var weights = model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        using var updater = new PolicyUpdater(model, options, totalSteps: 3);

        var first = updater.Update(corrupt);
        var second = updater.Update(corrupt);

        Assert.Equal((1, 1, 1), (first.SkippedSteps, first.ConsecutiveNonFiniteSteps, second.ConsecutiveNonFiniteSteps - 1));
        Assert.True(double.IsNaN(second.Loss));
        foreach (var (name, weight) in model.state_dict())
            Assert.True(weight.equal(weights[name]).all().item<bool>(), $"{name} changed on a skipped step");
        Assert.All(model.parameters(), p => Assert.Equal(0, p.grad!.abs().sum().item<float>()));

        var third = updater.Update(good);
        Assert.Equal((0, 0), (third.SkippedSteps, third.ConsecutiveNonFiniteSteps));
        Assert.False(model.state_dict()["lm_head.weight"].equal(weights["lm_head.weight"]).all().item<bool>());
    }

    [Fact]
    public void FullFineTuningWithAKlTermNeedsAReferenceModel()
    {
        using var model = Model();
        Assert.Equal("reference", Assert.Throws<ArgumentException>(() => new PolicyUpdater(model, new FlowGrpoOptions(), totalSteps: 1)).ParamName);
        using var _ = new PolicyUpdater(model, new FlowGrpoOptions { Beta = 0 }, totalSteps: 1);
    }

    [Fact]
    public void BadTurnsAreRejectedByName()
    {
        using var model = Model();
        using var updater = new PolicyUpdater(model, new FlowGrpoOptions { Beta = 0 }, totalSteps: 1);
        var turn = PolicyTurns.Create(model, [(0, 0, 1.0)], seed: 1)[0];

        Assert.Contains("no turns", Assert.Throws<ArgumentException>(() => updater.Update([])).Message);
        Assert.Contains("sampling log-probs", Assert.Throws<ArgumentException>(() => updater.Update([turn with { Sample = turn.Sample with { SamplingLogProbs = [0f] } }])).Message);
        Assert.Contains("vocabulary", Assert.Throws<ArgumentException>(() => updater.Update([turn with { Sample = turn.Sample with { PromptIds = [500] } }])).Message);
        Assert.Contains("context", Assert.Throws<ArgumentException>(() => updater.Update([turn with { Sample = turn.Sample with { PromptIds = new int[200] } }])).Message);
        Assert.Contains("non-finite advantage", Assert.Throws<ArgumentException>(() => updater.Update([turn with { Advantage = double.NaN }])).Message);
    }
}
