using AgentFlow.MLNet.Models.Decoder;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// One plain supervised training step on Batch × 256 random tokens: forward with logits at every position,
/// next-token cross-entropy, backward, AdamW (lr 1e-4, β 0.9/0.999, ε 1e-8, weight decay 0.01). The dense compute
/// every fine-tuning and policy update is made of, with nothing of the trainer around it; <c>perf/pytorch/eager.py</c>
/// runs the same step in PyTorch for <c>perf/pytorch/compare.sh</c>. Useful FLOPs ≈ 6 · parameters · tokens plus
/// attention (12 · layers · hidden · 256² per row, full blocks).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class SupervisedStepBenchmarks
{
    /// <summary>Tokens per row.</summary>
    public const int SequenceTokens = 256;

    private CausalLM _model = null!;
    private AdamW _optimizer = null!;
    private Tensor _ids = null!;

    [Params("QuickStart", "30M")]
    public string Model { get; set; } = "QuickStart";

    [Params(16)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchmarkModels.Create(Model);
        _model.train();
        _optimizer = new AdamW(_model.parameters(), 1e-4, 0.9, 0.999, 1e-8, 0.01);
        var prompts = BenchmarkModels.RandomPrompts(_model, Batch, SequenceTokens, seed: 1);
        _ids = tensor(prompts.SelectMany(p => p.Select(t => (long)t)).ToArray()).reshape(Batch, SequenceTokens);
    }

    /// <summary>Forward, cross-entropy over the Batch × 255 next-token targets, backward and one AdamW step.</summary>
    [Benchmark]
    public float TrainStep()
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var logits = _model.forward(new CausalLMInput(_ids)).Logits!;
        var loss = nn.functional.cross_entropy(
            logits[.., ..^1].reshape(-1, _model.Config.VocabSize),
            _ids[.., 1..].reshape(-1));
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ids.Dispose();
        _optimizer.Dispose();
        _model.Dispose();
    }
}
