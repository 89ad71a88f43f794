using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Rewards;

namespace RealModel;

/// <summary>
/// Scores an answer to one of a benchmark's questions against everything the benchmark knows about it: all its
/// accepted answers (an ML.NET row carries only the first in its Answer column) and, for the Game of 24, the puzzle's
/// numbers (no column carries them). The question's text finds its item.
/// </summary>
/// <param name="set">The benchmark the questions come from.</param>
/// <param name="inner">The scorer to apply; null: the benchmark's own (alias match, numeric, Game-of-24 checker).</param>
internal sealed class BenchmarkScorer(BenchmarkSet set, IAnswerScorer? inner = null) : IAnswerScorer
{
    // Benchmarks can repeat a question text; the first item's answers stand for it, as a lookup by text can only give one.
    private readonly Dictionary<string, BenchmarkItem> _items = set.Items.DistinctBy(i => i.Question).ToDictionary(i => i.Question, StringComparer.Ordinal);

    public ValueTask<ScoreResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_items.TryGetValue(request.Question, out var item))
            throw new ArgumentException($"'{request.Question}' is not a question of {set.Definition.DisplayName}.", nameof(request));
        return (inner ?? item.Scorer).ScoreAsync(item.ToScoringRequest(request.Response), cancellationToken);
    }
}
