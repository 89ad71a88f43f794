using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Training;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class PolicyLossTests
{
    public PolicyLossTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    private static readonly FlowGrpoOptions Options = new() { Beta = 0.1, EntropyCoefficient = 0.01 };

    /// <summary>
    /// One token per case: (advantage, ratio ρ, ref − log p). ε = 0.2, ε_high = 0.3, c = 3.
    /// </summary>
    private static readonly (double Advantage, double Ratio, double RefGap)[] Cases =
    [
        (1.0, 1.1, 0.3),    // inside the clip range: −A·ρ, gradient flows
        (1.0, 1.5, -0.2),   // A > 0 above 1 + ε_high: clipped high, no policy gradient
        (1.0, 0.5, 0.1),    // A > 0 below 1 − ε: the unclipped term is the max, gradient flows
        (-1.0, 0.5, 0.0),   // A < 0 below 1 − ε: clipped low
        (-1.0, 4.0, -0.4),  // A < 0, ρ > c: the dual clip caps the loss at −A·c
        (-1.0, 2.0, 0.2),   // A < 0, 1 + ε_high < ρ < c: unclipped −A·ρ
        (0.0, 1.3, 0.5),    // no advantage
        (0.5, 0.9, 5.0),    // k3 = e⁵ − 6 ≈ 142 is clamped to 10: no KL gradient
        (2.0, 1.0, -30.0),  // ref − log p beyond −20 is clamped before k3
    ];

    /// <summary>The loss and its gradients with respect to log p and the entropy, in plain doubles.</summary>
    private static (double Loss, double[] DLogProb, double[] DEntropy) Reference(double[] entropy, double[] weights, FlowGrpoOptions o)
    {
        double loss = 0;
        var dLogProb = new double[Cases.Length];
        var dEntropy = new double[Cases.Length];
        for (int t = 0; t < Cases.Length; t++)
        {
            var (a, rho, gap) = Cases[t];
            double unclipped = -a * rho;
            double clippedRho = Math.Clamp(rho, 1 - o.Epsilon, 1 + o.EpsilonHigh);
            double clipped = -a * clippedRho;
            double pg;
            double dPg;
            if (unclipped >= clipped)
                (pg, dPg) = (unclipped, -a * rho);     // d(−A·e^(log p − old))/d log p
            else
                (pg, dPg) = (clipped, 0);
            if (a < 0 && pg > -a * o.DualClip!.Value)
                (pg, dPg) = (-a * o.DualClip.Value, 0);

            double d = Math.Clamp(gap, -o.LogRatioClamp, o.LogRatioClamp);
            double k3 = Math.Exp(d) - d - 1;
            double dK3 = Math.Abs(gap) > o.LogRatioClamp || Math.Abs(k3) > o.KlClamp ? 0 : 1 - Math.Exp(d);
            k3 = Math.Clamp(k3, -o.KlClamp, o.KlClamp);

            loss += weights[t] * (pg + o.Beta * k3 - o.EntropyCoefficient * entropy[t]);
            dLogProb[t] = weights[t] * (dPg + o.Beta * dK3);
            dEntropy[t] = -weights[t] * o.EntropyCoefficient;
        }
        return (loss, dLogProb, dEntropy);
    }

    [Fact]
    public void TheLossAndItsGradientMatchAHandComputationOnEveryClipCase()
    {
        var random = new Random(3);
        double[] logProb = Cases.Select(_ => -0.5 - random.NextDouble()).ToArray();
        double[] entropy = Cases.Select(_ => 1 + random.NextDouble()).ToArray();
        double[] weights = Cases.Select(_ => 0.05 + random.NextDouble() / 10).ToArray();
        var logProbs = tensor(logProb, dtype: ScalarType.Float64).requires_grad_(true);
        var entropies = tensor(entropy, dtype: ScalarType.Float64).requires_grad_(true);
        var tokens = new PolicyTokens(
            logProbs,
            tensor(logProb.Select((l, t) => l - Math.Log(Cases[t].Ratio)).ToArray(), dtype: ScalarType.Float64),
            tensor(logProb.Select((l, t) => l + Cases[t].RefGap).ToArray(), dtype: ScalarType.Float64),
            tensor(Cases.Select(c => c.Advantage).ToArray(), dtype: ScalarType.Float64),
            entropies,
            tensor(weights, dtype: ScalarType.Float64));

        var result = PolicyLoss.Compute(tokens, Options);
        result.Loss.backward();
        var (loss, dLogProb, dEntropy) = Reference(entropy, weights, Options);

        Assert.Equal(loss, result.Loss.item<double>(), 10);
        var gradient = logProbs.grad!.data<double>().ToArray();
        var entropyGradient = entropies.grad!.data<double>().ToArray();
        for (int t = 0; t < Cases.Length; t++)
        {
            Assert.True(Math.Abs(dLogProb[t] - gradient[t]) < 1e-10, $"d loss / d log p of case {t}: {gradient[t]}, expected {dLogProb[t]}");
            Assert.Equal(dEntropy[t], entropyGradient[t], 12);
        }
    }

    [Fact]
    public void StatisticsCountEachClipKindOnceAndAverageKlEntropyAndRatio()
    {
        int n = Cases.Length;
        double[] logProb = Enumerable.Repeat(-1.0, n).ToArray();
        double[] entropy = Enumerable.Range(0, n).Select(i => 0.5 + i / 10.0).ToArray();
        var tokens = new PolicyTokens(
            tensor(logProb, dtype: ScalarType.Float64),
            tensor(Cases.Select(c => -1.0 - Math.Log(c.Ratio)).ToArray(), dtype: ScalarType.Float64),
            tensor(Cases.Select(c => -1.0 + c.RefGap).ToArray(), dtype: ScalarType.Float64),
            tensor(Cases.Select(c => c.Advantage).ToArray(), dtype: ScalarType.Float64),
            tensor(entropy, dtype: ScalarType.Float64),
            ones(n, dtype: ScalarType.Float64));

        var stats = PolicyLoss.Compute(tokens, Options).Statistics;

        Assert.Equal(n, stats.Tokens);
        Assert.Equal(1, stats.LowClipped);    // case 3
        Assert.Equal(1, stats.HighClipped);   // case 1
        Assert.Equal(1, stats.DualClipped);   // case 4
        double[] k3 = Cases.Select(c => Math.Clamp(Math.Exp(Math.Clamp(c.RefGap, -20, 20)) - Math.Clamp(c.RefGap, -20, 20) - 1, -10, 10)).ToArray();
        Assert.Equal(k3.Average(), stats.MeanKl, 10);
        Assert.Equal(entropy.Average(), stats.MeanEntropy, 10);
        Assert.Equal(Cases.Average(c => c.Ratio), stats.MeanRatio, 10);
        Assert.Equal(1.0 / n, (stats + stats).ClipFractionLow, 12);
    }

    [Fact]
    public void WithoutDualClipANegativeAdvantageAtAHugeRatioIsNotCapped()
    {
        var tokens = new PolicyTokens(
            tensor(new[] { 0.0 }, dtype: ScalarType.Float64), tensor(new[] { -Math.Log(4.0) }, dtype: ScalarType.Float64), null,
            tensor(new[] { -1.0 }, dtype: ScalarType.Float64), tensor(new[] { 1.0 }, dtype: ScalarType.Float64), tensor(new[] { 1.0 }, dtype: ScalarType.Float64));

        Assert.Equal(4.0 - 0.01, PolicyLoss.Compute(tokens, Options with { DualClip = null }).Loss.item<double>(), 10);
        Assert.Equal(3.0 - 0.01, PolicyLoss.Compute(tokens, Options).Loss.item<double>(), 10);
        Assert.True(double.IsNaN(PolicyLoss.Compute(tokens, Options).Statistics.MeanKl));
    }

    [Fact]
    public void MismatchedTokenCountsAreRejectedByName()
    {
        var one = tensor(new[] { 0.0 });
        var two = tensor(new[] { 0.0, 0.0 });
        var error = Assert.Throws<ArgumentException>(() => PolicyLoss.Compute(new PolicyTokens(one, one, null, two, one, one), Options));
        Assert.Contains("Advantages has 2 entries", error.Message);
    }
}
