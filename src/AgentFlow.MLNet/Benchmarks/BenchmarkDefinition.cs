using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// One benchmark: its name, its file, its task kind and the scorer that judges answers to it. The shipped
/// sets are in <see cref="BenchmarkCatalog"/>; create one for your own file in the same JSON format.
/// </summary>
public sealed class BenchmarkDefinition
{
    /// <summary>Creates a definition.</summary>
    /// <param name="name">Short lower-case identifier, e.g. <c>bamboogle</c>.</param>
    /// <param name="displayName">Name as papers print it, e.g. <c>Bamboogle</c>.</param>
    /// <param name="fileName">The JSON file's name inside a benchmark folder.</param>
    /// <param name="task">How rows are read and scored.</param>
    /// <param name="scorer">The scorer; null for the task's default (exact match, numeric, or the Game-of-24 checker).</param>
    /// <exception cref="ArgumentException">A name is blank, or <paramref name="task"/> is not defined.</exception>
    public BenchmarkDefinition(string name, string displayName, string fileName, BenchmarkTask task, IAnswerScorer? scorer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        if (!Enum.IsDefined(task))
            throw new ArgumentException($"Unknown benchmark task {task}.", nameof(task));
        Name = name;
        DisplayName = displayName;
        FileName = fileName;
        Task = task;
        Scorer = scorer ?? task switch
        {
            BenchmarkTask.QuestionAnswering => new ExactMatchScorer(),
            BenchmarkTask.Math => new NumericScorer(),
            _ => new Game24Scorer(),
        };
    }

    /// <summary>Short lower-case identifier, e.g. <c>bamboogle</c>.</summary>
    public string Name { get; }

    /// <summary>Name as papers print it, e.g. <c>Bamboogle</c>.</summary>
    public string DisplayName { get; }

    /// <summary>The JSON file's name inside a benchmark folder.</summary>
    public string FileName { get; }

    /// <summary>How rows are read and scored.</summary>
    public BenchmarkTask Task { get; }

    /// <summary>The scorer for answers to this benchmark's questions (shared, thread-safe).</summary>
    public IAnswerScorer Scorer { get; }

    /// <inheritdoc />
    public override string ToString() => DisplayName;
}
