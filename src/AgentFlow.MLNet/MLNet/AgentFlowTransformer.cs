using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// The trained (or base) AgentFlow pipeline as an ML.NET transformer. <see cref="Transform"/> is lazy and adds
/// <see cref="AgentFlowColumns.PredictedAnswer"/>, <see cref="AgentFlowColumns.Trajectory"/> (JSON),
/// <see cref="AgentFlowColumns.Turns"/>, <see cref="AgentFlowColumns.ToolCalls"/>, <see cref="AgentFlowColumns.ToolErrors"/>,
/// <see cref="AgentFlowColumns.LatencyMs"/> and, when the label column is present, <see cref="AgentFlowColumns.Reward"/>;
/// input columns pass through unchanged. Cursors solve rows in batches; the transformer is safe to use from several
/// threads (all rows meet in one model host). It owns its model: disposing it frees the weights.
/// </summary>
/// <remarks>
/// Save it with <c>mlContext.Model.SaveAgentFlow</c> and load it with <c>mlContext.Model.LoadAgentFlow</c>
/// (<see cref="AgentFlowModelOperations"/>); plain <c>mlContext.Model.Save</c> throws rather than drop the weights.
/// A <c>PredictionEngine</c> disposes the transformer it was made from unless created with <c>new PredictionEngineOptions { OwnsTransformer = false }</c>.
/// </remarks>
public sealed class AgentFlowTransformer : ITransformer, IDisposable
{
    internal AgentFlowTransformer(AgentFlowPipeline pipeline, IReadOnlyList<FlowGrpoStepMetrics>? trainingHistory = null, long skippedTrainingRows = 0)
    {
        Pipeline = pipeline;
        TrainingHistory = trainingHistory ?? [];
        SkippedTrainingRows = skippedTrainingRows;
    }

    /// <summary>How rows are read and solved.</summary>
    public AgentFlowTransformOptions Options => Pipeline.Options;

    /// <summary>The model behind every module (touch its weights only through <see cref="Models.Hosting.ModelHost"/>).</summary>
    public LocalModel Model => Pipeline.Model;

    /// <summary>One entry per Flow-GRPO step of the Fit that made this transformer; empty when it was not trained here.</summary>
    public IReadOnlyList<FlowGrpoStepMetrics> TrainingHistory { get; }

    /// <summary>Training rows left out because their question was empty (<see cref="InvalidQuestionHandling.Skip"/>).</summary>
    public long SkippedTrainingRows { get; }

    /// <summary>Rows transformed so far whose question was empty and that were kept with an empty answer.</summary>
    public long SkippedQuestions => Pipeline.SkippedQuestions;

    /// <summary>Always true: each row is mapped on its own, so <c>PredictionEngine</c> works.</summary>
    public bool IsRowToRowMapper => true;

    internal AgentFlowPipeline Pipeline { get; }

    /// <summary>The input columns followed by the added ones.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The question or label column is missing or not a text column; the message names it.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema).OutputSchema;

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new AgentFlowRowMapper(Bind(inputSchema));

    /// <summary>Lazily adds the answer columns: nothing runs until a cursor moves over an added column.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new AgentFlowDataView(input, Bind(input.Schema));
    }

    /// <summary>Always throws: ML.NET's model writers cannot carry the weights. Use <c>mlContext.Model.SaveAgentFlow</c>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException(
        "An AgentFlow transformer cannot be saved with mlContext.Model.Save, whose writers are internal to ML.NET and would drop its model. " +
        "Use mlContext.Model.SaveAgentFlow(model, inputSchema, path) (namespace AgentFlow.MLNet.MLNet), and LoadAgentFlow to read it back.");

    /// <summary>Frees the model (and its host) when this transformer owns it.</summary>
    public void Dispose() => Pipeline.Dispose();

    private AgentFlowBinding Bind(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Pipeline.ThrowIfDisposed();
        return new AgentFlowBinding(Pipeline, inputSchema);
    }
}
