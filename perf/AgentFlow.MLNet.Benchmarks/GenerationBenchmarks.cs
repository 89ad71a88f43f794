using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// Prefill and decode throughput on 256-token prompts. Tokens per second = tokens per operation / mean time:
/// <c>Prefill</c> processes Batch × 256 tokens; <c>DecodeSteps</c> (cached, prefill done in the iteration setup)
/// and <c>DecodeUncached</c> (the whole sequence re-run for every new token, what decoding costs without a KV
/// cache) each produce Batch × 8 tokens; <c>Generate</c> is the engine end to end (prefill + 8 cached steps).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class GenerationBenchmarks
{
    private const int PromptTokens = 256;
    private const int NewTokens = 8;

    private CausalLM _model = null!;
    private GenerationEngine _engine = null!;
    private IReadOnlyList<IReadOnlyList<int>> _prompts = null!;

    [Params("QuickStart", "1M", "30M")]
    public string Model { get; set; } = "1M";

    [Params(1, 8, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchmarkModels.Create(Model);
        _engine = new GenerationEngine(_model);
        _prompts = BenchmarkModels.RandomPrompts(_model, Batch, PromptTokens, seed: 1);
    }

    /// <summary>One forward over Batch × 256 prompt tokens (last-token logits only, as decoding needs).</summary>
    [Benchmark]
    public long Prefill()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(_prompts.SelectMany(p => p.Select(t => (long)t)).ToArray()).reshape(Batch, PromptTokens);
        return _model.forward(new CausalLMInput(ids) { Logits = LogitsSelection.LastToken }).Logits!.argmax(-1)[0, 0].item<long>();
    }

    /// <summary>The engine end to end: prefill once, then NewTokens greedy steps with the KV cache.</summary>
    [Benchmark]
    public int Generate() =>
        _engine.Generate(_prompts, new SamplingOptions { MaxNewTokens = NewTokens }).Sum(s => s.CompletionIds.Count);

    private KeyValueCache? _cache;
    private Tensor? _next;

    [IterationSetup(Target = nameof(DecodeSteps))]
    public void PrefillIntoCache()
    {
        using var noGrad = no_grad();
        _cache?.Dispose();
        _next?.Dispose();
        _cache = KeyValueCache.Create(_model, Batch, PromptTokens + NewTokens);
        using var scope = NewDisposeScope();
        var ids = tensor(_prompts.SelectMany(p => p.Select(t => (long)t)).ToArray()).reshape(Batch, PromptTokens);
        _next = _model.forward(new CausalLMInput(ids) { Cache = _cache, Logits = LogitsSelection.LastToken }).Logits!.argmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>NewTokens greedy decode steps over the cache filled by the iteration setup: the decode phase alone.</summary>
    [Benchmark]
    public long DecodeSteps()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var next = _next!;
        for (int step = 0; step < NewTokens; step++)
            next = _model.forward(new CausalLMInput(next) { Cache = _cache, Logits = LogitsSelection.LastToken }).Logits!.argmax(-1);
        return next[0, 0].item<long>();
    }

    /// <summary>NewTokens greedy steps, each a full forward over the whole sequence so far (no cache).</summary>
    [Benchmark]
    public long DecodeUncached()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(_prompts.SelectMany(p => p.Select(t => (long)t)).ToArray()).reshape(Batch, PromptTokens);
        for (int step = 0; step < NewTokens; step++)
        {
            var next = _model.forward(new CausalLMInput(ids) { Logits = LogitsSelection.LastToken }).Logits!.argmax(-1);
            ids = cat([ids, next], 1);
        }
        return ids[0, -1].item<long>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache?.Dispose();
        _next?.Dispose();
        _model.Dispose();
    }
}
