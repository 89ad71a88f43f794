using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models.Generation;

[Collection(TorchCollection.Name)]
public sealed class TokenSamplerTests
{
    public TokenSamplerTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    // Probabilities 0.5, 0.3, 0.15, 0.05 as logits, 400 identical rows so one call draws 400 samples.
    private static Tensor Logits() => tensor(new[] { 0.5f, 0.3f, 0.15f, 0.05f }).log().unsqueeze(0).expand(400, 4).contiguous();

    private static long[] Draw(SamplingOptions options, Tensor? counts = null)
    {
        using var generator = new Generator(1);
        var logits = Logits();
        var (tokens, _) = TokenSampler.Sample(logits, counts ?? zeros_like(logits), options, generator);
        return tokens.data<long>().ToArray();
    }

    [Fact]
    public void TopKKeepsOnlyTheKMostLikelyTokens()
    {
        var drawn = Draw(new SamplingOptions { Temperature = 1, TopK = 2 });

        Assert.Equal([0L, 1L], drawn.Distinct().Order());
    }

    [Fact]
    public void TopPKeepsTheSmallestSetReachingTheMass()
    {
        // Mass before each token: 0, 0.5, 0.8, 0.95 — with p = 0.8 the first two tokens already reach it.
        var drawn = Draw(new SamplingOptions { Temperature = 1, TopP = 0.8 });

        Assert.Equal([0L, 1L], drawn.Distinct().Order());
    }

    [Fact]
    public void TemperatureOneSamplesInProportionToTheProbabilities()
    {
        var drawn = Draw(new SamplingOptions { Temperature = 1 });

        double first = drawn.Count(t => t == 0) / 400.0;
        Assert.InRange(first, 0.42, 0.58);
        Assert.Equal(4, drawn.Distinct().Count());
    }

    [Fact]
    public void AFrequencyPenaltyStopsATokenThatAlreadyRepeats()
    {
        var counts = zeros(400, 4);
        counts[.., 0] = 5;

        var drawn = Draw(new SamplingOptions { Temperature = 0, FrequencyPenalty = 1.2 }, counts);

        Assert.All(drawn, t => Assert.Equal(1L, t));
    }

    [Fact]
    public void ReportedLogProbsIgnoreTheShapingAndUseTheTemperature()
    {
        using var generator = new Generator(1);
        var logits = Logits();
        var (tokens, logProbs) = TokenSampler.Sample(logits, zeros_like(logits), new SamplingOptions { Temperature = 0.5, TopK = 1 }, generator);

        float expected = (logits[0] / 0.5).log_softmax(-1)[0].item<float>();
        Assert.All(tokens.data<long>().ToArray(), t => Assert.Equal(0L, t));
        Assert.Equal(expected, logProbs[0].item<float>(), 5);
    }
}
