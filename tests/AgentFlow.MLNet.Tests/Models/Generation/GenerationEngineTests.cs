using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models.Generation;

[Collection(TorchCollection.Name)]
public sealed class GenerationEngineTests : IDisposable
{
    private readonly CausalLM _model;
    private readonly GenerationEngine _engine;

    public GenerationEngineTests()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        _model = TinyModels.Create(TinyModels.Qwen2(heads: 4, keyValueHeads: 2));
        _engine = new GenerationEngine(_model);
    }

    public void Dispose() => _model.Dispose();

    private static readonly int[] ShortPrompt = [5, 9, 2];
    private static readonly int[] LongPrompt = [7, 1, 30, 22, 8, 14, 3];

    /// <summary>log_softmax(logits / T) of a full, uncached forward over prompt + completion, at each completion token.</summary>
    private float[] RecomputedLogProbs(GeneratedSequence sequence, double temperature, out long[] argmaxes)
    {
        using var scope = NewDisposeScope();
        long[] all = sequence.PromptIds.Concat(sequence.CompletionIds).Select(i => (long)i).ToArray();
        var logits = _model.forward(new CausalLMInput(tensor(all).unsqueeze(0))).Logits![0];
        int start = sequence.PromptIds.Count - 1;
        var predicting = logits.narrow(0, start, sequence.CompletionIds.Count);
        argmaxes = predicting.argmax(-1).data<long>().ToArray();
        var logProbs = (predicting / temperature).log_softmax(-1).gather(1, tensor(sequence.CompletionIds.Select(i => (long)i).ToArray()).unsqueeze(1));
        return logProbs.squeeze(1).data<float>().ToArray();
    }

    [Fact]
    public void CachedGreedyDecodingPicksTheArgmaxOfAFullRecomputationAtEveryStep()
    {
        var result = _engine.Generate([LongPrompt], new SamplingOptions { MaxNewTokens = 12 }).Single();

        float[] recomputed = RecomputedLogProbs(result, 1.0, out long[] argmaxes);

        Assert.Equal(12, result.CompletionIds.Count);
        Assert.Equal(argmaxes.Select(a => (int)a), result.CompletionIds);
        Assert.Equal(FinishReason.Length, result.FinishReason);
        for (int i = 0; i < recomputed.Length; i++)
            Assert.Equal(recomputed[i], result.LogProbs[i], 4);
    }

    [Fact]
    public void SampledLogProbsEqualTheTrainersRecomputationAtTheSamplingTemperature()
    {
        var options = new SamplingOptions { Temperature = 0.7, TopP = 0.9, FrequencyPenalty = 1.2, MaxNewTokens = 10, Seed = 3 };

        foreach (var result in _engine.Generate([ShortPrompt, LongPrompt], options, samplesPerPrompt: 3))
        {
            float[] recomputed = RecomputedLogProbs(result, 0.7, out _);
            for (int i = 0; i < recomputed.Length; i++)
                Assert.Equal(recomputed[i], result.LogProbs[i], 4);
        }
    }

    [Fact]
    public void AMixedLengthBatchGivesEachPromptWhatItGetsAlone()
    {
        var options = new SamplingOptions { MaxNewTokens = 8 };

        var batched = _engine.Generate([ShortPrompt, LongPrompt], options);
        var aloneShort = _engine.Generate([ShortPrompt], options).Single();
        var aloneLong = _engine.Generate([LongPrompt], options).Single();

        Assert.Equal(aloneShort.CompletionIds, batched[0].CompletionIds);
        Assert.Equal(aloneLong.CompletionIds, batched[1].CompletionIds);
        Assert.Equal(ShortPrompt, batched[0].PromptIds);
    }

    [Fact]
    public void APrefixSharedGroupSamplesWhatTheSamePromptRepeatedSamples()
    {
        var options = new SamplingOptions { Temperature = 1.0, MaxNewTokens = 8, Seed = 11 };

        var shared = _engine.Generate([LongPrompt], options, samplesPerPrompt: 4);
        var repeated = _engine.Generate([LongPrompt, LongPrompt, LongPrompt, LongPrompt], options);

        Assert.Equal(repeated.Select(r => r.CompletionIds), shared.Select(s => s.CompletionIds));
        Assert.All(shared, s => Assert.Equal(0, s.PromptIndex));
        Assert.True(shared.Select(s => string.Join(",", s.CompletionIds)).Distinct().Count() > 1, "four samples at temperature 1 should not all agree");
    }

    [Fact]
    public void TheSameSeedReproducesSamplesAndAnotherSeedChangesThem()
    {
        var options = new SamplingOptions { Temperature = 1.0, MaxNewTokens = 10, Seed = 5 };

        var first = _engine.Generate([ShortPrompt], options, samplesPerPrompt: 3);
        var again = _engine.Generate([ShortPrompt], options, samplesPerPrompt: 3);
        var other = _engine.Generate([ShortPrompt], options with { Seed = 6 }, samplesPerPrompt: 3);

        Assert.Equal(first.Select(r => r.CompletionIds), again.Select(r => r.CompletionIds));
        Assert.NotEqual(first.Select(r => string.Join(",", r.CompletionIds)), other.Select(r => string.Join(",", r.CompletionIds)));
    }

    [Fact]
    public void AStopTokenEndsOnlyItsOwnRow()
    {
        var greedy = _engine.Generate([ShortPrompt, LongPrompt], new SamplingOptions { MaxNewTokens = 6 });
        int stop = greedy[0].CompletionIds[2];

        var stopped = _engine.Generate([ShortPrompt, LongPrompt], new SamplingOptions { MaxNewTokens = 6, StopTokenIds = [stop] });

        Assert.Equal(FinishReason.Stop, stopped[0].FinishReason);
        int firstStop = greedy[0].CompletionIds.ToList().IndexOf(stop);
        Assert.Equal(greedy[0].CompletionIds.Take(firstStop + 1), stopped[0].CompletionIds);
        if (!greedy[1].CompletionIds.Contains(stop))
        {
            Assert.Equal(greedy[1].CompletionIds, stopped[1].CompletionIds);
            Assert.Equal(FinishReason.Length, stopped[1].FinishReason);
        }
    }

    [Fact]
    public void TheTokenCallbackSeesEveryTokenInOrderAndCanEndOneRow()
    {
        var seen = new Dictionary<int, List<int>> { [0] = [], [1] = [] };

        var results = _engine.Generate([ShortPrompt, LongPrompt], new SamplingOptions { MaxNewTokens = 7 }, onToken: (row, token) =>
        {
            seen[row].Add(token);
            return row == 0 && seen[row].Count == 3 ? FinishReason.Cancelled : null;
        });

        Assert.Equal(seen[0], results[0].CompletionIds);
        Assert.Equal(3, results[0].CompletionIds.Count);
        Assert.Equal(FinishReason.Cancelled, results[0].FinishReason);
        Assert.Equal(seen[1], results[1].CompletionIds);
        Assert.Equal(7, results[1].CompletionIds.Count);
        Assert.Equal(_engine.Generate([LongPrompt], new SamplingOptions { MaxNewTokens = 7 })[0].CompletionIds, results[1].CompletionIds);
    }

    [Fact]
    public void TopKOfOneAndATinyNucleusAreGreedy()
    {
        var greedy = _engine.Generate([LongPrompt], new SamplingOptions { MaxNewTokens = 6 }).Single();

        var topK = _engine.Generate([LongPrompt], new SamplingOptions { Temperature = 1.5, TopK = 1, MaxNewTokens = 6, Seed = 9 }).Single();
        var topP = _engine.Generate([LongPrompt], new SamplingOptions { Temperature = 1.5, TopP = 1e-6, MaxNewTokens = 6, Seed = 9 }).Single();

        Assert.Equal(greedy.CompletionIds, topK.CompletionIds);
        Assert.Equal(greedy.CompletionIds, topP.CompletionIds);
    }

    [Fact]
    public void ACancelledRequestStopsAndSaysSo()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var results = _engine.Generate([ShortPrompt, LongPrompt], new SamplingOptions { MaxNewTokens = 50 }, cancellationToken: cancelled.Token);

        Assert.All(results, r => Assert.Equal(FinishReason.Cancelled, r.FinishReason));
        Assert.All(results, r => Assert.Empty(r.CompletionIds));
    }

    [Fact]
    public void GenerationStopsAtTheModelsContext()
    {
        int[] nearlyFull = Enumerable.Range(0, _model.Config.MaxPositionEmbeddings - 3).Select(i => i % 50).ToArray();

        var result = _engine.Generate([nearlyFull], new SamplingOptions { MaxNewTokens = 100 }).Single();

        Assert.Equal(3, result.CompletionIds.Count);
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public void BadRequestsAreRejectedByName()
    {
        Assert.Contains("no tokens", Assert.Throws<ArgumentException>(() => _engine.Generate([[]], new SamplingOptions())).Message);
        Assert.Contains("9999", Assert.Throws<ArgumentException>(() => _engine.Generate([[1, 9999]], new SamplingOptions())).Message);
        Assert.Equal("TopP", Assert.Throws<ArgumentOutOfRangeException>(() => _engine.Generate([ShortPrompt], new SamplingOptions { TopP = 0 })).ParamName);
        Assert.Equal("samplesPerPrompt", Assert.Throws<ArgumentOutOfRangeException>(() => _engine.Generate([ShortPrompt], new SamplingOptions(), 0)).ParamName);
    }
}
