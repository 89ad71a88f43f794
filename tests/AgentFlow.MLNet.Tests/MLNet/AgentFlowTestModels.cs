using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Prompts;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Training;
using Microsoft.ML;

namespace AgentFlow.MLNet.Tests.MLNet;

/// <summary>
/// A tiny random model with short prompts, one turn and few tokens, so a row takes milliseconds. Its answers are
/// noise, but greedy noise: the same weights and question give the same answer, which is what these tests compare.
/// </summary>
internal static class AgentFlowTestModels
{
    public static readonly TinyModelOptions Tiny = new() { HiddenSize = 64, Layers = 1, AttentionHeads = 2, KeyValueHeads = 1, IntermediateSize = 128, ContextLength = 512, Seed = 7 };

    public static readonly AgentPrompts Prompts = new()
    {
        Version = "mlnet-test@1",
        QueryAnalysis = AgentPrompts.QueryAnalysisTemplate("QA {question}"),
        Planner = AgentPrompts.PlannerTemplate("Q: {question}\nTools: {tool_names}\nTool Name:"),
        Executor = AgentPrompts.ExecutorTemplate("EXECUTOR {tool_name} {sub_goal}"),
        Verifier = AgentPrompts.VerifierTemplate("VERIFY {question}"),
        Generator = AgentPrompts.GeneratorTemplate("ANSWER {question} {memory}"),
    };

    public static AgentFlowModelSource Source => AgentFlowModelSource.TinyModel(Tiny);

    public static AgentFlowTransformOptions TransformOptions(int batchSize = 16, string? label = null) => new()
    {
        BatchSize = batchSize,
        MaxNewTokens = 6,
        LabelColumnName = label,
        Prompts = Prompts,
        Agent = new AgentOptions { MaxTurns = 1, AnalyzeQuery = false },
    };

    public static FlowGrpoEstimatorOptions TrainOptions(int? seed = 3) => new()
    {
        Model = Source,
        Seed = seed,
        Prompts = Prompts,
        Lora = new() { Rank = 4, Alpha = 8 },
        TrainingAgent = AgentOptions.Training with { AnalyzeQuery = false },
        Trainer = new FlowGrpoOptions { BatchSize = 2, NumGenerations = 2, MaxTurns = 1, MaxCompletionTokens = 6, NumTrainEpochs = 1, LearningRate = 5e-2, MiniBatchSize = 0, EvalSteps = 0 },
        Transform = TransformOptions(),
    };

    public static AgentFlowTransformer Untrained(MLContext mlContext, IDataView data, int batchSize = 16, string? label = null) =>
        mlContext.AgentFlow().Transforms.AgentFlow(Source, TransformOptions(batchSize, label)).Fit(data);

    public static IDataView Questions(MLContext mlContext, int count) =>
        mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(i => new NumberedQuestion { Id = i, Question = $"what is {i} plus {i % 3}?", Answer = $"{i + i % 3}" }));

    public static List<string> Answers(MLContext mlContext, IDataView transformed) =>
        [.. mlContext.Data.CreateEnumerable<AnswerOnly>(transformed, reuseRowObject: false).Select(a => a.PredictedAnswer)];
}

public sealed class NumberedQuestion
{
    public int Id { get; set; }

    public string Question { get; set; } = "";

    public string Answer { get; set; } = "";
}

public sealed class AnswerOnly
{
    public string PredictedAnswer { get; set; } = "";
}

public sealed class Answered
{
    public int Id { get; set; }

    public string Question { get; set; } = "";

    public string PredictedAnswer { get; set; } = "";

    public string Trajectory { get; set; } = "";

    public int Turns { get; set; }

    public int ToolCalls { get; set; }
}
