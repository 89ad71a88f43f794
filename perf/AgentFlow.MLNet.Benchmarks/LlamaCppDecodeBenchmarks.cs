using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// Decode through <see cref="GenerationEngine"/> on the shapes <c>llama-batched-bench -npp 64 -ntg 64</c> measures, so
/// that <c>perf/llamacpp/compare.sh</c> can put the two side by side on the same weights (exported with
/// <c>export-gguf</c>). <c>Generate</c> prefills Batch distinct 64-token prompts and decodes 64 greedy tokens per row;
/// <c>Prefill</c> is the same call stopped after the first token. Their difference is 63 decode steps, and decode
/// tokens/s = Batch × 63 / (Generate − Prefill): what llama.cpp reports as S_TG, here with sampling and log-probs
/// included (llama.cpp's bench computes the logits and samples nothing).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class LlamaCppDecodeBenchmarks
{
    public const int PromptTokens = 64;
    public const int NewTokens = 64;

    /// <summary>The models compared with llama.cpp; <c>export-gguf</c> writes these.</summary>
    public static IReadOnlyList<string> Models { get; } = ["Llama0.3M", "QuickStart"];

    private CausalLM _model = null!;
    private GenerationEngine _engine = null!;
    private IReadOnlyList<IReadOnlyList<int>> _prompts = null!;

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "Llama0.3M";

    [Params(1, 8, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchmarkModels.Create(Model);
        _engine = new GenerationEngine(_model);
        _prompts = BenchmarkModels.RandomPrompts(_model, Batch, PromptTokens, seed: 1);
    }

    /// <summary>Prefill of Batch × 64 tokens and the first sampled token.</summary>
    [Benchmark]
    public int Prefill() =>
        _engine.Generate(_prompts, new SamplingOptions { MaxNewTokens = 1 }).Sum(s => s.CompletionIds.Count);

    /// <summary>Prefill, then 64 greedy tokens per row (no stop tokens, so every row runs the full 64).</summary>
    [Benchmark]
    public int Generate() =>
        _engine.Generate(_prompts, new SamplingOptions { MaxNewTokens = NewTokens }).Sum(s => s.CompletionIds.Count);

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();
}
