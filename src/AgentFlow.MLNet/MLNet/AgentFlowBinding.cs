using AgentFlow.MLNet.Agent;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// A transformer bound to one input schema: the output schema (every input column, then the added ones; one instance
/// shared by the data view, its cursors and the row mapper, as ML.NET expects), and where the question and label are.
/// </summary>
internal sealed class AgentFlowBinding
{
    private static readonly string[] AddedNames =
    [
        AgentFlowColumns.PredictedAnswer, AgentFlowColumns.Trajectory, AgentFlowColumns.Turns, AgentFlowColumns.ToolCalls,
        AgentFlowColumns.ToolErrors, AgentFlowColumns.LatencyMs, AgentFlowColumns.Reward,
    ];

    internal AgentFlowBinding(AgentFlowPipeline pipeline, DataViewSchema inputSchema)
    {
        Pipeline = pipeline;
        InputSchema = inputSchema;
        var options = pipeline.Options;
        Question = AgentFlowSchema.RequireText(inputSchema, options.QuestionColumnName, "question column (QuestionColumnName)");
        Label = options.LabelColumnName is { } label && inputSchema.GetColumnOrNull(label) is not null
            ? AgentFlowSchema.RequireText(inputSchema, label, "label column (LabelColumnName)")
            : null;

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(AgentFlowColumns.PredictedAnswer, TextDataViewType.Instance);
        builder.AddColumn(AgentFlowColumns.Trajectory, TextDataViewType.Instance);
        builder.AddColumn(AgentFlowColumns.Turns, NumberDataViewType.Int32);
        builder.AddColumn(AgentFlowColumns.ToolCalls, NumberDataViewType.Int32);
        builder.AddColumn(AgentFlowColumns.ToolErrors, NumberDataViewType.Int32);
        builder.AddColumn(AgentFlowColumns.LatencyMs, NumberDataViewType.Double);
        if (Label is not null)
            builder.AddColumn(AgentFlowColumns.Reward, NumberDataViewType.Single);
        OutputSchema = builder.ToSchema();
    }

    internal AgentFlowPipeline Pipeline { get; }

    internal DataViewSchema InputSchema { get; }

    internal DataViewSchema OutputSchema { get; }

    internal DataViewSchema.Column Question { get; }

    internal DataViewSchema.Column? Label { get; }

    /// <summary>Index of the first added column; the ones before are the input's, at the same index.</summary>
    internal int FirstAdded => InputSchema.Count;

    /// <summary>The name of an added column by its output index.</summary>
    internal string AddedName(int index) => AddedNames[index - FirstAdded];

    /// <summary>Whether any added column is wanted, which is when rows must be solved.</summary>
    internal bool NeedsSolving(Func<int, bool> isActive)
    {
        for (int i = FirstAdded; i < OutputSchema.Count; i++)
        {
            if (isActive(i))
                return true;
        }
        return false;
    }

    /// <summary>The input columns needed for the wanted output columns.</summary>
    internal IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> wanted)
    {
        var needed = new HashSet<int>();
        foreach (var column in wanted)
        {
            if (column.Index < FirstAdded)
            {
                needed.Add(column.Index);
                continue;
            }
            needed.Add(Question.Index);
            if (Label is { } label)
                needed.Add(label.Index);
        }
        return needed.Order().Select(i => InputSchema[i]);
    }

    /// <summary>The value of added column <paramref name="index"/> of <paramref name="row"/>, as ML.NET's getter wants it.</summary>
    internal ValueGetter<TValue> AddedGetter<TValue>(int index, Func<SolvedRow> row)
    {
        string name = AddedName(index);
        var column = OutputSchema[index];
        if (typeof(TValue) != column.Type.RawType)
            throw new InvalidOperationException($"Column '{name}' is of type {column.Type}; it cannot be read as {typeof(TValue).Name}.");
        Delegate getter = name switch
        {
            AgentFlowColumns.PredictedAnswer => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = row().PredictedAnswer.AsMemory()),
            AgentFlowColumns.Trajectory => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = row().TrajectoryJson.AsMemory()),
            AgentFlowColumns.Turns => (ValueGetter<int>)((ref int v) => v = row().Turns),
            AgentFlowColumns.ToolCalls => (ValueGetter<int>)((ref int v) => v = row().ToolCalls),
            AgentFlowColumns.ToolErrors => (ValueGetter<int>)((ref int v) => v = row().ToolErrors),
            AgentFlowColumns.LatencyMs => (ValueGetter<double>)((ref double v) => v = row().LatencyMs),
            _ => (ValueGetter<float>)((ref float v) => v = row().Reward),
        };
        return (ValueGetter<TValue>)getter;
    }

    /// <summary>Solves a batch of rows together (their module calls share the host's decode steps), in order.</summary>
    internal async Task<SolvedRow[]> SolveAsync(IReadOnlyList<(long Position, string? Question, string? Gold)> rows, CancellationToken cancellationToken)
    {
        var pipeline = Pipeline;
        return await Task.WhenAll(rows.Select(async row =>
        {
            if (QuestionText.Problem(row.Question) is { } problem)
            {
                if (pipeline.Options.InvalidQuestions == InvalidQuestionHandling.Throw)
                {
                    throw new InvalidOperationException(
                        $"Row {row.Position}: the question in column '{Question.Name}' {problem}. Set InvalidQuestions = InvalidQuestionHandling.Skip to keep such rows with an empty answer.");
                }
                pipeline.CountSkipped();
                return SolvedRow.Skipped;
            }
            var trajectory = await pipeline.SolveAsync(row.Question!, row.Position, cancellationToken).ConfigureAwait(false);
            float reward = Label is null ? float.NaN : await pipeline.ScoreAsync(row.Question!, trajectory.FinalAnswer, row.Gold ?? "", cancellationToken).ConfigureAwait(false);
            return SolvedRow.From(trajectory, reward);
        })).ConfigureAwait(false);
    }

    /// <summary>Reads a text value (empty for a missing one).</summary>
    internal static string? ReadText(ValueGetter<ReadOnlyMemory<char>>? getter)
    {
        if (getter is null)
            return null;
        ReadOnlyMemory<char> value = default;
        getter(ref value);
        return value.ToString();
    }
}
