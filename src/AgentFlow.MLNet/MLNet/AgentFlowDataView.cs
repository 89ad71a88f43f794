using Microsoft.ML;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// The lazy result of <see cref="AgentFlowTransformer.Transform"/>: nothing is solved until a cursor moves, and only
/// when an added column is asked for.
/// </summary>
internal sealed class AgentFlowDataView(IDataView source, AgentFlowBinding binding) : IDataView
{
    public bool CanShuffle => source.CanShuffle;

    public DataViewSchema Schema => binding.OutputSchema;

    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        return new AgentFlowCursor(binding, source.GetRowCursor(binding.Dependencies(needed), rand), needed);
    }

    /// <summary>One cursor per input cursor; each solves its own batches, and all of them meet in the model host's batch.</summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        return [.. source.GetRowCursorSet(binding.Dependencies(needed), n, rand).Select(cursor => new AgentFlowCursor(binding, cursor, needed))];
    }
}
