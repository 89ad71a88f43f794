using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Prompts;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Models.Scoring;
using AgentFlow.MLNet.Tests.Tools;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Training;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Training;

/// <summary>
/// The smallest world where the reward depends on the planner alone: two tools, <c>alpha</c> (whose result leads to
/// the right answer) and <c>beta</c>; scripted frozen modules; a tiny model warm-started to pick either tool about half
/// of the time, then given LoRA adapters. Everything is seeded, so two worlds built alike are bit-identical.
/// </summary>
internal sealed class ToolChoiceWorld : IDisposable
{
    internal const string Right = "Tool Name: alpha";
    internal const string Wrong = "Tool Name: beta";

    internal static readonly AgentPrompts Prompts = new()
    {
        Version = "tool-choice-test@1",
        QueryAnalysis = AgentPrompts.QueryAnalysisTemplate("QA {question}"),
        Planner = AgentPrompts.PlannerTemplate("Q: {question}\nTools: {tool_names}\n"),
        Executor = AgentPrompts.ExecutorTemplate("EXECUTOR {tool_name}"),
        Verifier = AgentPrompts.VerifierTemplate("VERIFIER"),
        Generator = AgentPrompts.GeneratorTemplate("GENERATOR {memory}"),
    };

    internal static readonly TrainingExample[] Questions =
        [.. new[] { "north", "south", "east", "west" }.Select(q => new TrainingExample($"which way is {q}?", ["right"]))];

    private readonly IReadOnlyList<IReadOnlyList<int>> _prompts;
    private readonly int[] _right;
    private readonly int[] _wrong;

    private ToolChoiceWorld(LocalModel local, ModelHost host, IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        Local = local;
        Host = host;
        _prompts = prompts;
        _right = Completion(local, Right);
        _wrong = Completion(local, Wrong);
    }

    internal LocalModel Local { get; }

    internal ModelHost Host { get; }

    internal static ToolRegistry Tools() => new([
        new DelegateTool("alpha", (_, _) => ValueTask.FromResult(ToolResult.Success("right"))),
        new DelegateTool("beta", (_, _) => ValueTask.FromResult(ToolResult.Success("wrong"))),
    ]);

    /// <summary>Executor, verifier and generator: the answer is "right" exactly when the memory holds alpha's result.</summary>
    internal static ReplyingClient Frozen() => new(prompt =>
        prompt.StartsWith("EXECUTOR", StringComparison.Ordinal) ? """{"arguments": {}}"""
        : prompt.StartsWith("VERIFIER", StringComparison.Ordinal) ? "Conclusion: STOP"
        : prompt.Contains("right", StringComparison.Ordinal) ? "<answer>right</answer>" : "<answer>wrong</answer>");

    internal static FlowGrpoSetup Setup() => new() { FrozenModules = Frozen(), Prompts = Prompts, Agent = AgentOptions.Training with { AnalyzeQuery = false } };

    /// <summary>Options for one-turn training on <see cref="Questions"/> with plain sampling (T 1, no top-p, no penalty).</summary>
    internal static FlowGrpoOptions Options(double learningRate) => new()
    {
        BatchSize = Questions.Length,
        NumGenerations = 8,
        MaxTurns = 1,
        Temperature = 1.0,
        TopP = 1.0,
        FrequencyPenalty = 0,
        MaxCompletionTokens = 24,
        NumTrainEpochs = 12,
        LearningRate = learningRate,
        MiniBatchSize = 0,
        EvalSteps = 0,
        Seed = 11,
    };

    /// <summary>Builds the model, warm-starts it on both tools equally and attaches LoRA adapters (with <paramref name="loraDropout"/>).</summary>
    internal static async Task<ToolChoiceWorld> CreateAsync(double loraDropout = 0)
    {
        var local = TinyModel.Create(new TinyModelOptions { HiddenSize = 64, Layers = 2, AttentionHeads = 2, KeyValueHeads = 1, IntermediateSize = 128, ContextLength = 256, Seed = 3 });
        var host = new ModelHost(local);
        var setup = Setup();
        // The planner's exact prompts, as the agent renders and encodes them.
        var prompts = new List<IReadOnlyList<int>>();
        var probe = new AgentFlowAgent(AgentModules.WithPlanner(host.AsChatClientForTest(), setup.FrozenModules!), Tools(), setup.Agent with { MaxTurns = 1 }, Prompts);
        foreach (var question in Questions)
        {
            var trajectory = await probe.SolveAsync(question.Question, seed: 1);
            prompts.Add(trajectory.Turns[0].Planner.Sequence!.PromptIds);
        }
        var world = new ToolChoiceWorld(local, host, prompts);
        await host.RunAsync(model => world.WarmStart(model), ModelAccess.Write);
        await host.RunAsync(model =>
        {
            model.AttachLora(new LoraOptions { Rank = 8, Alpha = 16, Dropout = loraDropout, Seed = 5 });
            return 0;
        }, ModelAccess.Write);
        return world;
    }

    /// <summary>P(right completion) / (P(right) + P(wrong)) at temperature 1, averaged over the prompts: no sampling noise.</summary>
    internal Task<double> RightShareAsync() => Host.RunAsync(model =>
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        bool training = model.training;
        model.eval();
        var scores = new CompletionScorer(model).Score([.. _prompts.SelectMany(p => new[] { new ScoredSequence(p, _right), new ScoredSequence(p, _wrong) })]);
        model.train(training);
        var total = (scores.LogProbs * scores.Mask).sum(1).to(ScalarType.Float64).data<double>().ToArray();
        return Enumerable.Range(0, _prompts.Count).Average(i => 1 / (1 + Math.Exp(total[2 * i + 1] - total[2 * i])));
    });

    public void Dispose()
    {
        Host.Dispose();
        Local.Dispose();
    }

    private static int[] Completion(LocalModel local, string text) =>
        [.. local.Tokenizer.Encode(text), .. local.StopTokenIds.Take(1)];

    /// <summary>Supervised steps on both completions equally often, so the planner picks either tool about half of the time.</summary>
    private int WarmStart(CausalLM model)
    {
        model.train();
        var scorer = new CompletionScorer(model);
        var batch = _prompts.SelectMany(p => new[] { new ScoredSequence(p, _right), new ScoredSequence(p, _wrong) }).ToList();
        int tokens = batch.Sum(s => s.CompletionIds.Count);
        using var optimizer = optim.AdamW(model.parameters(), lr: 3e-3);
        for (int step = 0; step < 60; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            scorer.Backward(batch, chunk => -chunk.LogProbs.sum() / tokens);
            optimizer.step();
        }
        return 0;
    }
}
