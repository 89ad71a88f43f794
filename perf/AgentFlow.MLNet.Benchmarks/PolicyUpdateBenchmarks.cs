using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Scoring;
using AgentFlow.MLNet.Training;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// One Flow-GRPO update step (<see cref="PolicyUpdater.Update"/>): full fine-tuning in fp32, β = 0 (no reference pass),
/// sampled old log-probs, one mini-batch in one micro-batch, so the step is exactly one forward, one backward and
/// one AdamW step over <see cref="Turns"/> planner turns of 192 prompt + 64 completion tokens; <see cref="Forward"/>
/// scores the same batch without gradients for comparison.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class PolicyUpdateBenchmarks
{
    private const int PromptTokens = 192;
    private const int CompletionTokens = 64;

    private CausalLM _model = null!;
    private PolicyUpdater _updater = null!;
    private List<TrainingTurn> _turns = null!;
    private List<ScoredSequence> _sequences = null!;

    [Params("1M", "30M")]
    public string Model { get; set; } = "1M";

    /// <summary>Planner turns per step: 2 questions × 4 trajectories.</summary>
    [Params(8)]
    public int Turns { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchmarkModels.Create(Model);
        var prompts = BenchmarkModels.RandomPrompts(_model, Turns, PromptTokens + CompletionTokens, seed: 3);
        var sequences = _sequences = prompts.Select(p => new ScoredSequence(p.Take(PromptTokens).ToArray(), p.Skip(PromptTokens).ToArray())).ToList();
        float[] logProbs;
        using (no_grad())
            logProbs = new CompletionScorer(_model).Score(sequences, temperature: 0.7).LogProbs.data<float>().ToArray();
        _turns = sequences.Select((s, i) => new TrainingTurn(
            new PlannerTurnSample(i / 4, i % 4, 0, s.PromptIds, s.CompletionIds, logProbs.AsSpan(i * CompletionTokens, CompletionTokens).ToArray(), 0.7),
            Advantage: i % 2 == 0 ? 1.0 : -1.0)).ToList();
        var options = new FlowGrpoOptions { Beta = 0, MiniBatchSize = 0, MicroBatchTokens = Turns * (PromptTokens + CompletionTokens) };
        _updater = new PolicyUpdater(_model, options, totalSteps: 1_000_000);
    }

    /// <summary>The same batch scored without gradients (one forward): what the update's 6·N·tokens is read against.</summary>
    [Benchmark(Baseline = true)]
    public long Forward()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return new CompletionScorer(_model).Score(_sequences, temperature: 0.7).LogProbs.numel();
    }

    [Benchmark]
    public double Update() => _updater.Update(_turns).Loss;

    [GlobalCleanup]
    public void Cleanup()
    {
        _updater.Dispose();
        _model.Dispose();
    }
}
