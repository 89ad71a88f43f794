using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// GRPO samples G completions of each prompt. Shared: the engine prefills each 256-token prompt once and fans its
/// cache out to G rows. Unshared: the prompt is sent G times and prefilled G times. One new token isolates prefill.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class PrefixSharingBenchmarks
{
    private const int PromptTokens = 256;
    private const int Prompts = 2;

    private CausalLM _model = null!;
    private GenerationEngine _engine = null!;
    private IReadOnlyList<IReadOnlyList<int>> _prompts = null!;
    private IReadOnlyList<IReadOnlyList<int>> _repeated = null!;
    private readonly SamplingOptions _options = new() { Temperature = 0.7, MaxNewTokens = 1, Seed = 1 };

    [Params("1M", "30M")]
    public string Model { get; set; } = "1M";

    /// <summary>Group size G.</summary>
    [Params(8)]
    public int Group { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchmarkModels.Create(Model);
        _engine = new GenerationEngine(_model);
        _prompts = BenchmarkModels.RandomPrompts(_model, Prompts, PromptTokens, seed: 2);
        _repeated = _prompts.SelectMany(p => Enumerable.Repeat(p, Group)).ToList();
    }

    [Benchmark(Baseline = true)]
    public int Unshared() => _engine.Generate(_repeated, _options).Count;

    [Benchmark]
    public int Shared() => _engine.Generate(_prompts, _options, samplesPerPrompt: Group).Count;

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();
}
