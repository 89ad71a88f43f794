using AgentFlow.MLNet.Training;
using Microsoft.ML;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.MLNet;

/// <summary>The entry point: <c>mlContext.AgentFlow()</c>.</summary>
public static class AgentFlowMLContextExtensions
{
    /// <summary>AgentFlow's trainers, transforms, evaluation and data loaders for this context.</summary>
    public static AgentFlowCatalog AgentFlow(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new AgentFlowCatalog(mlContext);
    }
}

/// <summary>AgentFlow for one <see cref="MLContext"/>, in the shape of ML.NET's task catalogs.</summary>
public sealed class AgentFlowCatalog
{
    internal AgentFlowCatalog(MLContext mlContext)
    {
        Trainers = new AgentFlowTrainers(mlContext);
        Transforms = new AgentFlowTransforms(mlContext);
        Data = new AgentFlowData(mlContext);
    }

    /// <summary>Trainers: <see cref="AgentFlowTrainers.FlowGrpo(FlowGrpoEstimatorOptions)"/>.</summary>
    public AgentFlowTrainers Trainers { get; }

    /// <summary>Transforms that apply a model without training.</summary>
    public AgentFlowTransforms Transforms { get; }

    /// <summary>Loaders for question/answer data.</summary>
    public AgentFlowData Data { get; }

    /// <summary>
    /// Scores the <see cref="AgentFlowColumns.PredictedAnswer"/> column of <paramref name="scored"/> (an AgentFlow
    /// transformer's output) against <paramref name="labelColumnName"/> and sums up the trajectories' statistics.
    /// </summary>
    /// <param name="scored">The transformed data.</param>
    /// <param name="labelColumnName">The gold-answer column (text). Default "Answer".</param>
    /// <param name="sourceColumnName">A column grouping the rows for <see cref="AgentFlowMetrics.PerSourceAccuracy"/>. Default none.</param>
    /// <param name="scorer">Decides right or wrong. Default <see cref="Rewards.ExactMatchScorer"/>.</param>
    /// <param name="cancellationToken">Stops the evaluation between rows.</param>
    /// <exception cref="ArgumentOutOfRangeException">A needed column is missing or mistyped; the message names it.</exception>
    /// <exception cref="ArgumentException">The data is empty.</exception>
    public AgentFlowMetrics Evaluate(IDataView scored, string labelColumnName = AgentFlowColumns.Answer, string? sourceColumnName = null,
        Rewards.IAnswerScorer? scorer = null, CancellationToken cancellationToken = default) =>
        AgentFlowEvaluator.Evaluate(scored, labelColumnName, sourceColumnName, scorer, cancellationToken);
}

/// <summary>The trainers of <see cref="AgentFlowCatalog"/>.</summary>
public sealed class AgentFlowTrainers
{
    private readonly MLContext _mlContext;

    internal AgentFlowTrainers(MLContext mlContext) => _mlContext = mlContext;

    /// <summary>Flow-GRPO over the agent loop, with the main options as parameters and the rest at their defaults.</summary>
    /// <param name="model">The model to start from.</param>
    /// <param name="questionColumnName">The question column (text). Default "Question".</param>
    /// <param name="answerColumnName">The gold-answer column (text). Default "Answer".</param>
    /// <param name="numberOfGenerations">Trajectories per question (the group size G). Default 8.</param>
    /// <param name="numberOfEpochs">Passes over the data. Default 5.</param>
    /// <param name="learningRate">Default null: 1e-5 for LoRA (see <see cref="FlowGrpoOptions.LearningRate"/>).</param>
    public AgentFlowEstimator FlowGrpo(
        AgentFlowModelSource model,
        string questionColumnName = AgentFlowColumns.Question,
        string answerColumnName = AgentFlowColumns.Answer,
        int numberOfGenerations = 8,
        int numberOfEpochs = 5,
        double? learningRate = null) =>
        FlowGrpo(new FlowGrpoEstimatorOptions
        {
            Model = model,
            QuestionColumnName = questionColumnName,
            AnswerColumnName = answerColumnName,
            Trainer = new FlowGrpoOptions { NumGenerations = numberOfGenerations, NumTrainEpochs = numberOfEpochs, LearningRate = learningRate },
        });

    /// <summary>Flow-GRPO over the agent loop with every option.</summary>
    public AgentFlowEstimator FlowGrpo(FlowGrpoEstimatorOptions options) => new(_mlContext, options);
}

/// <summary>The transforms of <see cref="AgentFlowCatalog"/>.</summary>
public sealed class AgentFlowTransforms
{
    private readonly MLContext _mlContext;

    internal AgentFlowTransforms(MLContext mlContext) => _mlContext = mlContext;

    /// <summary>Runs the agent over the question column with <paramref name="model"/> as it is (no training).</summary>
    /// <param name="model">The model to apply.</param>
    /// <param name="questionColumnName">The question column (text). Default "Question".</param>
    /// <param name="labelColumnName">A gold-answer column; when present a Reward column is added. Default none.</param>
    /// <param name="batchSize">Rows solved together per cursor. Default 64 (see <see cref="AgentFlowTransformOptions.BatchSize"/>).</param>
    public AgentFlowTransformEstimator AgentFlow(AgentFlowModelSource model, string questionColumnName = AgentFlowColumns.Question, string? labelColumnName = null, int batchSize = 64) =>
        AgentFlow(model, new AgentFlowTransformOptions { QuestionColumnName = questionColumnName, LabelColumnName = labelColumnName, BatchSize = batchSize });

    /// <summary>Runs the agent over the question column with <paramref name="model"/> as it is, with every option.</summary>
    /// <param name="model">The model to apply.</param>
    /// <param name="options">How rows are read and solved.</param>
    /// <param name="device">Where the model runs. Default the CPU.</param>
    public AgentFlowTransformEstimator AgentFlow(AgentFlowModelSource model, AgentFlowTransformOptions options, Device? device = null) =>
        new(_mlContext, model, options, device);
}
