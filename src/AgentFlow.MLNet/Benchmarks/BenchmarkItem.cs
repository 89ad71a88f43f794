using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>One benchmark question in the uniform shape every set is read into.</summary>
/// <param name="Benchmark">The <see cref="BenchmarkDefinition.Name"/> of the set it comes from.</param>
/// <param name="Id">The row's <c>pid</c>, as text; unique within the set.</param>
/// <param name="Question">The text to pose to the agent (the row's <c>query</c>, else its <c>question</c>), verbatim.</param>
/// <param name="GoldAnswers">The accepted answers as text (an alias list, a single string, an integer, or the listed Game-of-24 solutions).</param>
/// <param name="Numbers">The Game-of-24 puzzle numbers; empty for other sets.</param>
/// <param name="Scorer">The set's scorer.</param>
public sealed record BenchmarkItem(
    string Benchmark,
    string Id,
    string Question,
    IReadOnlyList<string> GoldAnswers,
    IReadOnlyList<int> Numbers,
    IAnswerScorer Scorer)
{
    /// <summary>The request that scores <paramref name="response"/> as an answer to this item.</summary>
    public ScoringRequest ToScoringRequest(string response) =>
        new(response, GoldAnswers) { Question = Question, Numbers = Numbers };

    /// <summary>Scores <paramref name="response"/> as an answer to this item with the set's scorer.</summary>
    public ValueTask<ScoreResult> ScoreAsync(string response, CancellationToken cancellationToken = default) =>
        Scorer.ScoreAsync(ToScoringRequest(response), cancellationToken);
}
