using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Prompts;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Models.Scoring;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Tests.Tools;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Training;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Training;

/// <summary>
/// Flow-GRPO learns where the reward depends on the planner's tool choice: a tiny model, warm-started to pick either
/// of two tools half of the time, is trained in the real agent loop (frozen modules scripted, so only the planner
/// decides). The control run with learning rate 0 goes through the same rollouts and must not move.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class FlowGrpoLearningTests
{
    private const string Right = "Tool Name: alpha";
    private const string Wrong = "Tool Name: beta";

    private static readonly AgentPrompts Prompts = new()
    {
        Version = "learning-test@1",
        QueryAnalysis = AgentPrompts.QueryAnalysisTemplate("QA {question}"),
        Planner = AgentPrompts.PlannerTemplate("Q: {question}\nTools: {tool_names}\n"),
        Executor = AgentPrompts.ExecutorTemplate("EXECUTOR {tool_name}"),
        Verifier = AgentPrompts.VerifierTemplate("VERIFIER"),
        Generator = AgentPrompts.GeneratorTemplate("GENERATOR {memory}"),
    };

    private static readonly TrainingExample[] Questions =
        [.. new[] { "north", "south", "east", "west" }.Select(q => new TrainingExample($"which way is {q}?", ["right"]))];

    public FlowGrpoLearningTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    [Fact]
    public async Task MeanRewardRisesWithTheUpdateAndNotWithLearningRateZero()
    {
        var (trainedBefore, trainedAfter, trainedCurve) = await TrainAsync(learningRate: 5e-3);
        var (controlBefore, controlAfter, controlCurve) = await TrainAsync(learningRate: 0);

        // Both start from the same warm start: the right tool about half of the time.
        Assert.InRange(trainedBefore, 0.2, 0.8);
        Assert.Equal(trainedBefore, controlBefore, 6);
        Assert.True(trainedAfter > 0.9, $"P(right tool) went {trainedBefore:F3} -> {trainedAfter:F3}; rewards {string.Join(' ', trainedCurve.Select(r => r.ToString("F2")))}");
        Assert.Equal(controlBefore, controlAfter, 6);
        // The rollout rewards (sampled, so noisier than the probability above): the same first step (same weights, same
        // seeds), then the trained run stays above the control, whose samples come from the unchanged warm start.
        string curves = $"rewards {string.Join(' ', trainedCurve.Select(r => r.ToString("F2")))}; control {string.Join(' ', controlCurve.Select(r => r.ToString("F2")))}";
        Assert.Equal(controlCurve[0], trainedCurve[0], 6);
        Assert.True(trainedCurve.Skip(1).Average() > controlCurve.Skip(1).Average() + 0.1, curves);
        Assert.True(trainedCurve.TakeLast(4).Average() > controlCurve.TakeLast(4).Average() + 0.1, curves);
    }

    private static async Task<(double Before, double After, IReadOnlyList<double> Rewards)> TrainAsync(double learningRate)
    {
        using var local = TinyModel.Create(new TinyModelOptions { HiddenSize = 64, Layers = 2, AttentionHeads = 2, KeyValueHeads = 1, IntermediateSize = 128, ContextLength = 256, Seed = 3 });
        using var host = new ModelHost(local);
        var tools = new ToolRegistry([
            new DelegateTool("alpha", (_, _) => ValueTask.FromResult(ToolResult.Success("right"))),
            new DelegateTool("beta", (_, _) => ValueTask.FromResult(ToolResult.Success("wrong"))),
        ]);
        var frozen = new ReplyingClient(prompt =>
            prompt.StartsWith("EXECUTOR", StringComparison.Ordinal) ? """{"arguments": {}}"""
            : prompt.StartsWith("VERIFIER", StringComparison.Ordinal) ? "Conclusion: STOP"
            : prompt.Contains("right", StringComparison.Ordinal) ? "<answer>right</answer>" : "<answer>wrong</answer>");
        var options = new FlowGrpoOptions
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
        var setup = new FlowGrpoSetup { FrozenModules = frozen, Prompts = Prompts, Agent = AgentOptions.Training with { AnalyzeQuery = false } };

        // The planner's exact prompts, as the agent renders and encodes them.
        var prompts = new List<IReadOnlyList<int>>();
        foreach (var question in Questions)
        {
            var probe = new AgentFlowAgent(AgentModules.WithPlanner(host.AsChatClientForTest(), frozen), tools, setup.Agent with { MaxTurns = 1 }, Prompts);
            var trajectory = await probe.SolveAsync(question.Question, seed: 1);
            prompts.Add(trajectory.Turns[0].Planner.Sequence!.PromptIds);
        }
        var right = Completion(local, Right);
        var wrong = Completion(local, Wrong);
        await host.RunAsync(model => WarmStart(model, prompts, right, wrong), ModelAccess.Write);
        await host.RunAsync(model =>
        {
            model.AttachLora(new LoraOptions { Rank = 8, Alpha = 16, Seed = 5 });
            return 0;
        }, ModelAccess.Write);
        double before = await host.RunAsync(model => RightShare(model, prompts, right, wrong));

        using var trainer = new FlowGrpoTrainer(host, tools, new ExactMatchScorer(), options, setup);
        var metrics = await trainer.TrainAsync(Questions);

        double after = await host.RunAsync(model => RightShare(model, prompts, right, wrong));
        return (before, after, metrics.Select(m => m.RewardMean).ToList());
    }

    private static int[] Completion(LocalModel local, string text) =>
        [.. local.Tokenizer.Encode(text), .. local.StopTokenIds.Take(1)];

    /// <summary>Supervised steps on both completions equally often, so the planner picks either tool about half of the time.</summary>
    private static int WarmStart(CausalLM model, IReadOnlyList<IReadOnlyList<int>> prompts, int[] right, int[] wrong)
    {
        model.train();
        var scorer = new CompletionScorer(model);
        var batch = prompts.SelectMany(p => new[] { new ScoredSequence(p, right), new ScoredSequence(p, wrong) }).ToList();
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

    /// <summary>P(right completion) / (P(right) + P(wrong)) at temperature 1, averaged over the prompts: no sampling noise.</summary>
    private static double RightShare(CausalLM model, IReadOnlyList<IReadOnlyList<int>> prompts, int[] right, int[] wrong)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var scores = new CompletionScorer(model).Score([.. prompts.SelectMany(p => new[] { new ScoredSequence(p, right), new ScoredSequence(p, wrong) })]);
        var total = (scores.LogProbs * scores.Mask).sum(1).to(ScalarType.Float64).data<double>().ToArray();
        return Enumerable.Range(0, prompts.Count).Average(i => 1 / (1 + Math.Exp(total[2 * i + 1] - total[2 * i])));
    }
}

/// <summary>A thread-safe frozen module answering from its prompt alone (rollouts call it from many trajectories at once).</summary>
internal sealed class ReplyingClient(Func<string, string> reply) : Microsoft.Extensions.AI.IChatClient
{
    public Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new Microsoft.Extensions.AI.ChatResponse(new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, reply(string.Join("\n", messages.Select(m => m.Text))))));

    public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

internal static class LearningTestClients
{
    internal static Microsoft.Extensions.AI.IChatClient AsChatClientForTest(this ModelHost host) =>
        AgentFlow.MLNet.Models.Serving.ModelHostChatClients.AsChatClient(host, new AgentFlow.MLNet.Models.Serving.LocalChatClientOptions { Sampling = new() { MaxNewTokens = 24 } });
}
