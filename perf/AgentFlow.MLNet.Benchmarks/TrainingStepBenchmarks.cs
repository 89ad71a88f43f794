using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Training;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// One whole Flow-GRPO training step through <see cref="FlowGrpoTrainer"/>: B questions × G trajectories of the real
/// agent loop (default prompts, every module on the one hosted model, 3 planner turns at most), exact-match rewards,
/// group advantages and the LoRA update with the KL reference pass (adapters off). Each invocation is one step; the
/// console also prints the step's split into rollout and update.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class TrainingStepBenchmarks
{
    private LocalModel _model = null!;
    private ModelHost _host = null!;
    private FlowGrpoTrainer _trainer = null!;
    private TrainingExample[] _questions = null!;

    /// <summary>Questions per step (B).</summary>
    [Params(4)]
    public int Questions { get; set; }

    /// <summary>Trajectories per question (G).</summary>
    [Params(4)]
    public int Group { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = TinyModel.Create(new TinyModelOptions { ContextLength = 8192, Seed = 1 });
        _model.Model.AttachLora(new LoraOptions { Rank = 8, Alpha = 16 });
        _host = new ModelHost(_model);
        _questions = [.. Enumerable.Range(0, Questions).Select(i => new TrainingExample($"What is {17 + i} * 23?", [((17 + i) * 23).ToString(System.Globalization.CultureInfo.InvariantCulture)]))];
        var options = new FlowGrpoOptions { BatchSize = Questions, NumGenerations = Group, MaxCompletionTokens = 24, NumTrainEpochs = 1, MiniBatchSize = 0, EvalSteps = 0, LearningRate = 1e-4 };
        _trainer = new FlowGrpoTrainer(_host, new ToolRegistry([new CalculatorTool()]), new ExactMatchScorer(), options,
            new FlowGrpoSetup { Agent = AgentOptions.Training with { MemoryTokenBudget = 256, MaxResultTokens = 64 } });
    }

    [Benchmark]
    public double Step()
    {
        var metrics = _trainer.TrainAsync(_questions).GetAwaiter().GetResult().Single();
        Console.WriteLine($"// step {metrics.Step}: {metrics.StepSeconds:F2} s = rollout {metrics.RolloutSeconds:F2} s ({metrics.RolloutTokens} planner tokens) + update ({metrics.TrainingTurns} turns, {metrics.UpdateTokensPerSecond:F0} tok/s)");
        return metrics.StepSeconds;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trainer.Dispose();
        _host.Dispose();
        _model.Dispose();
    }
}
