namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Scores with several scorers in order and keeps the best result (the first one on a tie), stopping at
/// the first full score: for 0/1 scorers this is "right by any of them", e.g. exact match first and an
/// LLM judge only for what exact match rejects.
/// </summary>
public sealed class MaxScorer : IAnswerScorer
{
    private readonly IAnswerScorer[] scorers;

    /// <summary>Creates the combination.</summary>
    /// <param name="scorers">The scorers, cheapest first.</param>
    /// <exception cref="ArgumentException">The list is empty or holds a null.</exception>
    public MaxScorer(params IAnswerScorer[] scorers)
    {
        ArgumentNullException.ThrowIfNull(scorers);
        if (scorers.Length == 0)
            throw new ArgumentException("At least one scorer is required.", nameof(scorers));
        if (scorers.Contains(null))
            throw new ArgumentException("The scorers must not contain null.", nameof(scorers));
        this.scorers = [.. scorers];
    }

    /// <summary>The scorers, in the order they are tried.</summary>
    public IReadOnlyList<IAnswerScorer> Scorers => scorers;

    /// <inheritdoc />
    public async ValueTask<ScoreResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default)
    {
        ScoreResult? best = null;
        foreach (var scorer in scorers)
        {
            var result = await scorer.ScoreAsync(request, cancellationToken).ConfigureAwait(false);
            if (best is null || result.Score > best.Score)
                best = result;
            if (best.Score >= 1)
                break;
        }
        return best!;
    }
}
