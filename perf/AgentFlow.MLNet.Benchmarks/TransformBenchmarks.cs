using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Prompts;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Native;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.ML;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// <c>AgentFlowTransformer.Transform</c> over 64 questions, read to the end: row by row (<see cref="BatchSize"/> 1,
/// one question in flight at a time) against the batched cursor (16, and the default 64, rows read ahead and solved
/// together, their module calls sharing the model host's decode steps). The tiny model (128 wide, 2 layers, byte-level) with short
/// prompts, one turn and 16 tokens per call keeps the comparison about batching rather than prefill length.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class TransformBenchmarks
{
    private static readonly AgentPrompts Prompts = new()
    {
        Version = "transform-benchmark@1",
        QueryAnalysis = AgentPrompts.QueryAnalysisTemplate("Analyse: {question}"),
        Planner = AgentPrompts.PlannerTemplate("Question: {question}\nTools: {tool_names}\nNext step:"),
        Executor = AgentPrompts.ExecutorTemplate("Call {tool_name} for: {sub_goal}"),
        Verifier = AgentPrompts.VerifierTemplate("Is this solved? {question}\n{memory}"),
        Generator = AgentPrompts.GeneratorTemplate("Answer {question}\n{memory}"),
    };

    private MLContext _ml = null!;
    private IDataView _questions = null!;
    private AgentFlowTransformer _model = null!;

    /// <summary>Rows solved together per cursor: 1 is row by row.</summary>
    [Params(1, 16, 64)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        _ml = new MLContext(seed: 1);
        _questions = _ml.AgentFlow().Data.LoadFromEnumerable(Enumerable.Range(0, 64).Select(i => new AgentFlowQuestion { Question = $"What is {17 + i} * 23?", Answer = $"{(17 + i) * 23}" }));
        var options = new AgentFlowTransformOptions
        {
            BatchSize = BatchSize,
            MaxNewTokens = 16,
            Prompts = Prompts,
            Agent = new AgentOptions { MaxTurns = 1, AnalyzeQuery = false },
        };
        _model = _ml.AgentFlow().Transforms.AgentFlow(AgentFlowModelSource.TinyModel(new TinyModelOptions { Seed = 1 }), options).Fit(_questions);
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark]
    public int Transform64() =>
        _ml.Data.CreateEnumerable<AgentFlowPrediction>(_model.Transform(_questions), reuseRowObject: true).Sum(p => p.Turns);
}
