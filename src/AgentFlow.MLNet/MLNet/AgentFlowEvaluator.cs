using AgentFlow.MLNet.Rewards;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.MLNet;

/// <summary>Computes <see cref="AgentFlowMetrics"/> from a transformed view with one cursor.</summary>
internal static class AgentFlowEvaluator
{
    internal static AgentFlowMetrics Evaluate(IDataView scored, string labelColumnName, string? sourceColumnName, IAnswerScorer? scorer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumnName);
        scorer ??= new ExactMatchScorer();
        var schema = scored.Schema;
        var answer = AgentFlowSchema.RequireText(schema, AgentFlowColumns.PredictedAnswer, "predicted answer; transform the data with an AgentFlow model first");
        var label = AgentFlowSchema.RequireText(schema, labelColumnName, "label column (labelColumnName)");
        DataViewSchema.Column? source = sourceColumnName is { } name ? AgentFlowSchema.RequireText(schema, name, "source column (sourceColumnName)") : null;
        var turns = RequireInt(schema, AgentFlowColumns.Turns);
        var calls = RequireInt(schema, AgentFlowColumns.ToolCalls);
        var errors = RequireInt(schema, AgentFlowColumns.ToolErrors);
        var latency = schema.GetColumnOrNull(AgentFlowColumns.LatencyMs) ?? throw Missing(AgentFlowColumns.LatencyMs);
        var question = schema.GetColumnOrNull(AgentFlowColumns.Question);

        var columns = new List<DataViewSchema.Column> { answer, label, turns, calls, errors, latency };
        if (source is { } s)
            columns.Add(s);
        if (question is { Type: TextDataViewType } q)
            columns.Add(q);
        using var cursor = scored.GetRowCursor(columns);
        var answerGetter = cursor.GetGetter<ReadOnlyMemory<char>>(answer);
        var labelGetter = cursor.GetGetter<ReadOnlyMemory<char>>(label);
        var sourceGetter = source is { } sc ? cursor.GetGetter<ReadOnlyMemory<char>>(sc) : null;
        var questionGetter = question is { Type: TextDataViewType } qc ? cursor.GetGetter<ReadOnlyMemory<char>>(qc) : null;
        var turnsGetter = cursor.GetGetter<int>(turns);
        var callsGetter = cursor.GetGetter<int>(calls);
        var errorsGetter = cursor.GetGetter<int>(errors);
        var latencyGetter = cursor.GetGetter<double>(latency);

        long count = 0, right = 0, totalTurns = 0, totalCalls = 0, totalErrors = 0;
        double totalLatency = 0, totalReward = 0;
        var bySource = new SortedDictionary<string, (long Right, long Count)>(StringComparer.Ordinal);
        int value = 0;
        double milliseconds = 0;
        while (cursor.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            string predicted = AgentFlowBinding.ReadText(answerGetter)!;
            string gold = AgentFlowBinding.ReadText(labelGetter)!;
            var result = scorer.ScoreAsync(new ScoringRequest(predicted, [gold]) { Question = AgentFlowBinding.ReadText(questionGetter) ?? "" }, cancellationToken).AsTask().GetAwaiter().GetResult();
            bool correct = result.Score >= 1;
            count++;
            right += correct ? 1 : 0;
            totalReward += result.Score;
            turnsGetter(ref value);
            totalTurns += value;
            callsGetter(ref value);
            totalCalls += value;
            errorsGetter(ref value);
            totalErrors += value;
            latencyGetter(ref milliseconds);
            totalLatency += milliseconds;
            if (sourceGetter is not null)
            {
                string key = AgentFlowBinding.ReadText(sourceGetter)!;
                var (r, c) = bySource.GetValueOrDefault(key);
                bySource[key] = (r + (correct ? 1 : 0), c + 1);
            }
        }
        if (count == 0)
            throw new ArgumentException("The scored data is empty: there is nothing to evaluate.", nameof(scored));
        return new AgentFlowMetrics(
            count,
            right / (double)count,
            bySource.ToDictionary(p => p.Key, p => p.Value.Right / (double)p.Value.Count, StringComparer.Ordinal),
            totalTurns / (double)count,
            totalCalls == 0 ? double.NaN : totalErrors / (double)totalCalls,
            totalLatency / count,
            totalReward / count);
    }

    private static DataViewSchema.Column RequireInt(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name) ?? throw Missing(name);
        if (column.Type != NumberDataViewType.Int32)
            throw new ArgumentOutOfRangeException("scored", $"Column '{name}' is {column.Type}; expected Int32, as an AgentFlow transformer writes it.");
        return column;
    }

    private static ArgumentOutOfRangeException Missing(string name) =>
        new("scored", $"Column '{name}' was not found; transform the data with an AgentFlow model before evaluating it.");
}
