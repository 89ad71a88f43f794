using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>A loaded benchmark: its definition and its items in file order.</summary>
/// <param name="Definition">Which benchmark this is.</param>
/// <param name="SourcePath">The file the items were read from.</param>
/// <param name="Items">The questions, in file order.</param>
public sealed record BenchmarkSet(BenchmarkDefinition Definition, string SourcePath, IReadOnlyList<BenchmarkItem> Items)
{
    /// <summary>The benchmark's short name.</summary>
    public string Name => Definition.Name;

    /// <summary>The scorer for this set's answers.</summary>
    public IAnswerScorer Scorer => Definition.Scorer;
}
