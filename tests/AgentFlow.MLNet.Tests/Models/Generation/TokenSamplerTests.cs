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

    private static double[] Uniforms(int rows, ulong seed = 1)
    {
        var random = new RowRandom(seed);
        return Enumerable.Range(0, rows).Select(_ => random.NextDouble()).ToArray();
    }

    private static long[] Draw(SamplingOptions options, Tensor? counts = null)
    {
        var logits = Logits();
        var (tokens, _) = TokenSampler.Sample(logits, counts ?? zeros_like(logits), Enumerable.Repeat(options, 400).ToList(), Uniforms(400));
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
        var logits = Logits();
        var (tokens, logProbs) = TokenSampler.Sample(logits, zeros_like(logits), Enumerable.Repeat(new SamplingOptions { Temperature = 0.5, TopK = 1 }, 400).ToList(), Uniforms(400));

        float expected = (logits[0] / 0.5).log_softmax(-1)[0].item<float>();
        Assert.All(tokens.data<long>().ToArray(), t => Assert.Equal(0L, t));
        Assert.Equal(expected, logProbs[0].item<float>(), 5);
    }

    [Fact]
    public void EachRowSamplesUnderItsOwnSettingsInOneBatch()
    {
        // Row 0 greedy, row 1 top-k 1 at a high temperature, row 2 penalised away from token 0, row 3 forced by its draw
        // past the first three tokens (cumulative 0.95): the last token.
        var logits = Logits().narrow(0, 0, 4);
        var counts = zeros(4, 4);
        counts[2, 0] = 10;
        SamplingOptions[] options =
        [
            new() { Temperature = 0 },
            new() { Temperature = 5, TopK = 1 },
            new() { Temperature = 0, FrequencyPenalty = 1 },
            new() { Temperature = 1 },
        ];

        var (tokens, _) = TokenSampler.Sample(logits, counts, options, [0.9, 0.9, 0.9, 0.97]);

        Assert.Equal([0L, 0L, 1L, 3L], tokens.data<long>().ToArray());
    }

    [Fact]
    public void ARowsDrawAloneDecidesItsTokenWhateverItsBatchMates()
    {
        var logits = Logits().narrow(0, 0, 3);
        var sampling = new SamplingOptions { Temperature = 1 };

        var (alone, _) = TokenSampler.Sample(logits.narrow(0, 0, 1), null, [sampling], [0.6]);
        var (together, _) = TokenSampler.Sample(logits, null, [sampling, new SamplingOptions { Temperature = 0.3, TopP = 0.5 }, sampling], [0.6, 0.1, 0.99]);

        // Cumulative 0.5, 0.8, 0.95, 1: a draw of 0.6 is token 1, 0.99 the last token.
        Assert.Equal(1L, alone[0].item<long>());
        Assert.Equal([1L, 0L, 3L], together.data<long>().ToArray());
    }
}
