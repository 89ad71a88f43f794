using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Models.Scoring;
using AgentFlow.MLNet.Models.Tokenization;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models.Hosting;

[Collection(TorchCollection.Name)]
public sealed class ModelHostTests : IDisposable
{
    private static readonly int[] First = [5, 9, 2, 17];
    private static readonly int[] Second = [7, 1, 30, 22, 8, 14, 3, 40, 11];
    private static readonly int[] Third = [12, 6];

    private readonly LocalModel _model;

    public ModelHostTests()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        var network = TinyModels.Create(TinyModels.Qwen2(heads: 4, keyValueHeads: 2, tied: false), seed: 3);
        _model = new LocalModel(network, ModelTokenizer.FromGguf(TinyLocalModels.ByteVocabulary()), ChatTemplate.For(ChatTemplateKind.ChatML));
    }

    public void Dispose() => _model.Dispose();

    private static GenerationRequest Sampled(int[] prompt, ulong seed, int tokens = 12, bool adapters = true) =>
        new(prompt, new SamplingOptions { Temperature = 0.9, TopP = 0.95, FrequencyPenalty = 0.5, MaxNewTokens = tokens, Seed = seed }) { UseAdapters = adapters };

    [Fact]
    public async Task ARowSamplesTheSameTokensAloneAndInAnyBatch()
    {
        using var host = new ModelHost(_model);

        var alone = await host.GenerateAsync(Sampled(Second, seed: 11));
        var crowded = await host.GenerateAsync([Sampled(First, 1), Sampled(Third, 2, tokens: 3), Sampled(Second, 11), Sampled(Second, 12)]);
        var reordered = await host.GenerateAsync([Sampled(Second, 11), Sampled(First, 99, tokens: 30)]);

        Assert.Equal(alone.CompletionIds, crowded[2].CompletionIds);
        Assert.Equal(alone.CompletionIds, reordered[0].CompletionIds);
        Assert.NotEqual(crowded[2].CompletionIds, crowded[3].CompletionIds);
        for (int i = 0; i < alone.LogProbs.Count; i++)
            Assert.Equal(alone.LogProbs[i], crowded[2].LogProbs[i], 4);
    }

    [Fact]
    public async Task RowsWithAdaptersOnAndOffInOneBatchEqualEachDecodedAlone()
    {
        _model.Model.AttachLora(new LoraOptions { Rank = 4, Seed = 5 });
        using (no_grad())
        {
            // Untrained LoRA is the identity (B = 0); give B weights so the two settings really differ.
            foreach (var (name, parameter) in _model.Model.named_parameters().Where(p => p.name.Contains("lora_B")))
                parameter.normal_(0, 0.5);
        }
        using var host = new ModelHost(_model);

        var on = await host.GenerateAsync(Sampled(First, 4, adapters: true));
        var off = await host.GenerateAsync(Sampled(First, 4, adapters: false));
        var mixed = await host.GenerateAsync([Sampled(First, 4, adapters: false), Sampled(Second, 8), Sampled(First, 4, adapters: true)]);

        Assert.NotEqual(on.CompletionIds, off.CompletionIds);
        Assert.Equal(off.CompletionIds, mixed[0].CompletionIds);
        Assert.Equal(on.CompletionIds, mixed[2].CompletionIds);
        // Identical prompts with different adapter settings must not share a prefill: their keys differ.
        Assert.Equal(0, host.Statistics.SharedPrefills);
        Assert.Equal(off.CompletionIds, GreedyOrSampledWithGlobalSwitch(Sampled(First, 4), adaptersOn: false).CompletionIds);
    }

    /// <summary>The reference: the same request decoded by the plain engine with the model-wide adapter switch.</summary>
    private GeneratedSequence GreedyOrSampledWithGlobalSwitch(GenerationRequest request, bool adaptersOn)
    {
        using var off = adaptersOn ? null : _model.Model.WithoutAdapters();
        return new ModelHostDecode(_model.Model).Alone(request);
    }

    [Fact]
    public async Task IdenticalPromptsAdmittedTogetherArePrefilledOnceAndStillSampleApart()
    {
        using var host = new ModelHost(_model);
        var group = Enumerable.Range(0, 8).Select(i => Sampled(Second, seed: (ulong)(100 + i))).ToList();

        var samples = await host.GenerateAsync(group);

        Assert.Equal(Second.Length, host.Statistics.PrefillTokens);
        Assert.Equal(7, host.Statistics.SharedPrefills);
        Assert.True(samples.Select(s => string.Join(',', s.CompletionIds)).Distinct().Count() > 1);
        for (int i = 0; i < group.Count; i++)
            Assert.Equal((await host.GenerateAsync(group[i])).CompletionIds, samples[i].CompletionIds);
    }

    [Fact]
    public async Task ARequestArrivingMidDecodeJoinsTheBatchAndFinishesFirst()
    {
        using var host = new ModelHost(_model, new ModelHostOptions { AdmissionWindow = TimeSpan.Zero });
        int longTokens = 0;
        var joined = new TaskCompletionSource();
        var longRequest = new GenerationRequest(First, new SamplingOptions { MaxNewTokens = 60 })
        {
            OnToken = _ =>
            {
                if (Interlocked.Increment(ref longTokens) == 5)
                    joined.Task.Wait();   // hold the long row at its fifth token until the short one is queued
                return null;
            },
        };
        var shortRequest = new GenerationRequest(Third, new SamplingOptions { MaxNewTokens = 8 });

        var running = host.GenerateAsync(longRequest);
        while (Volatile.Read(ref longTokens) < 5)
            await Task.Yield();
        var arriving = host.GenerateAsync(shortRequest);
        joined.SetResult();
        var finishedShort = await arriving;
        int longAtThatMoment = Volatile.Read(ref longTokens);
        var finishedLong = await running;

        Assert.True(longAtThatMoment < 60, $"the short request waited for the long one ({longAtThatMoment} tokens)");
        Assert.Equal(new ModelHostDecode(_model.Model).Alone(shortRequest).CompletionIds, finishedShort.CompletionIds);
        Assert.Equal(new ModelHostDecode(_model.Model).Alone(longRequest with { OnToken = null }).CompletionIds, finishedLong.CompletionIds);
        Assert.True(host.Statistics.LargestBatch >= 2);
    }

    [Fact]
    public async Task ACancelledRowLeavesTheBatchAtItsNextTokenAndIsCounted()
    {
        using var host = new ModelHost(_model, new ModelHostOptions { AdmissionWindow = TimeSpan.Zero });
        using var cancel = new CancellationTokenSource();
        var reachedThird = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int tokens = 0;
        var longRequest = new GenerationRequest(First, new SamplingOptions { MaxNewTokens = 60 })
        {
            OnToken = _ =>
            {
                if (Interlocked.Increment(ref tokens) == 3)
                {
                    reachedThird.SetResult();
                    resume.Task.Wait();   // hold the worker so the row is certainly decoding when it is cancelled
                }
                return null;
            },
        };

        var running = host.GenerateAsync(longRequest, cancel.Token);
        await reachedThird.Task;
        Assert.Equal(1, host.Statistics.Decoding);
        await cancel.CancelAsync();
        resume.SetResult();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        // The cancelled row's next token comes no later than this request's second step, so once it is done the row is gone.
        var following = await host.GenerateAsync(new GenerationRequest(Third, new SamplingOptions { MaxNewTokens = 4 }));

        var statistics = host.Statistics;
        Assert.Equal(4, following.CompletionIds.Count);
        Assert.Equal(0, statistics.Decoding);
        Assert.Equal(1, statistics.Cancelled);
        Assert.Equal(2, statistics.Requests);
        Assert.True(statistics.GeneratedTokens - 4 < 60, $"the cancelled row decoded {statistics.GeneratedTokens - 4} tokens, its whole length");
    }

    [Fact]
    public async Task ScoringDuringDecodingGivesWhatItGivesInSequence()
    {
        using var host = new ModelHost(_model);
        var sequence = new ScoredSequence(First, Second);
        float[] Score(CausalLM model)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return new CompletionScorer(model).Score([sequence]).LogProbs.data<float>().ToArray();
        }
        var expected = await host.RunAsync(Score);
        var decoded = await host.GenerateAsync(Sampled(Third, 3, tokens: 40));

        var decoding = host.GenerateAsync(Sampled(Third, 3, tokens: 40));
        var scores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => host.RunAsync(Score)));
        var decodedMeanwhile = await decoding;

        Assert.All(scores, s => Assert.Equal(expected, s));
        Assert.Equal(decoded.CompletionIds, decodedMeanwhile.CompletionIds);
    }

    [Fact]
    public async Task AWriteWaitsUntilNoRowIsDecodingSoNoSequenceMixesTwoWeightVersions()
    {
        using var host = new ModelHost(_model);
        var firstTokens = 0;
        var request = new GenerationRequest(First, new SamplingOptions { MaxNewTokens = 30 })
        {
            OnToken = _ =>
            {
                Interlocked.Increment(ref firstTokens);
                return null;
            },
        };

        var decoding = host.GenerateAsync(request);
        while (Volatile.Read(ref firstTokens) == 0)
            await Task.Yield();
        int seenByWrite = await host.RunAsync(_ => Volatile.Read(ref firstTokens), ModelAccess.Write);
        var decoded = await decoding;

        Assert.Equal(30, seenByWrite);
        Assert.Equal(30, decoded.CompletionIds.Count);
    }

    [Fact]
    public async Task AFailingBatchFailsItsRequestsAsInfrastructureAndTheHostCarriesOn()
    {
        using var host = new ModelHost(_model);
        var poisoned = new GenerationRequest(First, new SamplingOptions { MaxNewTokens = 5 })
        {
            OnToken = _ => throw new InvalidOperationException("device lost"),
        };

        var failure = await Assert.ThrowsAsync<ModelHostException>(() => host.GenerateAsync(poisoned));
        var after = await host.GenerateAsync(Sampled(Third, 1, tokens: 4));

        Assert.Contains("device lost", failure.Message);
        Assert.Equal(4, after.CompletionIds.Count);
    }

    [Fact]
    public async Task TheResultRecordsTheSeedItWasDrawnWithAndThatSeedReproducesIt()
    {
        using var host = new ModelHost(_model);
        var unseeded = new GenerationRequest(Second, new SamplingOptions { Temperature = 1, MaxNewTokens = 10 });

        var drawn = await host.GenerateAsync(unseeded);
        var replayed = await host.GenerateAsync(unseeded with { Sampling = drawn.Sampling! });

        Assert.NotNull(drawn.Sampling!.Seed);
        Assert.Equal(1, drawn.Sampling.Temperature);
        Assert.Equal(drawn.CompletionIds, replayed.CompletionIds);
    }

    [Fact]
    public async Task DisposingFailsQueuedWorkAndLaterCallsAreRefused()
    {
        var host = new ModelHost(_model);
        await host.GenerateAsync(Sampled(First, 1, tokens: 2));
        host.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => host.GenerateAsync(Sampled(First, 1)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => host.RunAsync(_ => 1));
    }

    [Fact]
    public async Task BadRequestsAreRefusedBeforeTheyReachTheWorker()
    {
        using var host = new ModelHost(_model);

        var empty = await Assert.ThrowsAsync<ArgumentException>(() => host.GenerateAsync(new GenerationRequest([], new SamplingOptions())));
        var outside = await Assert.ThrowsAsync<ArgumentException>(() => host.GenerateAsync(new GenerationRequest([1, 9999], new SamplingOptions())));

        Assert.Contains("no tokens", empty.Message);
        Assert.Contains("9999", outside.Message);
        Assert.Equal(0, host.Statistics.Requests);
    }
}

/// <summary>Decodes one request with the plain engine (no host), for reference results.</summary>
internal sealed class ModelHostDecode(CausalLM model)
{
    internal GeneratedSequence Alone(GenerationRequest request)
    {
        using var batch = new DecodeBatch(model);
        var row = new DecodeRow(request.PromptIds, request.Sampling.Seed is null ? request.Sampling with { Seed = 0 } : request.Sampling, useAdapters: true, model.Config.MaxPositionEmbeddings, request.OnToken);
        batch.Admit([row]);
        while (batch.Count > 0)
            batch.Step();
        return row.ToSequence(0);
    }
}
