using AgentFlow.MLNet.Rewards.Extraction;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// The shape shared by the deterministic scorers: extract the answer from the response with an
/// <see cref="IAnswerExtractor"/> (by default <see cref="AnswerExtractors.Default"/>), then compare it.
/// A response in which nothing is found scores 0.
/// </summary>
public abstract class AnswerScorer : IAnswerScorer
{
    /// <summary>Creates the scorer.</summary>
    /// <param name="extractor">How the answer is found in the response; null for <see cref="AnswerExtractors.Default"/>.</param>
    protected AnswerScorer(IAnswerExtractor? extractor) => Extractor = extractor ?? AnswerExtractors.Default;

    /// <summary>How the answer is found in the response.</summary>
    public IAnswerExtractor Extractor { get; }

    /// <inheritdoc />
    public ValueTask<ScoreResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Response, nameof(request) + "." + nameof(request.Response));
        cancellationToken.ThrowIfCancellationRequested();
        Validate(request);
        string? answer = Extractor.Extract(request.Response);
        var result = answer is null
            ? ScoreResult.Incorrect(null, "no answer found in the response")
            : ScoreAnswer(answer, request);
        return ValueTask.FromResult(result);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when <paramref name="request"/>'s gold answers (or numbers) cannot be
    /// scored, without scoring a response: what <see cref="ScoreAsync"/> checks first, for callers that check their
    /// data before they generate anything.
    /// </summary>
    internal void ValidateRequest(ScoringRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="request"/> lacks what this scorer compares against.</summary>
    protected abstract void Validate(ScoringRequest request);

    /// <summary>Scores an extracted, non-empty <paramref name="answer"/>.</summary>
    protected abstract ScoreResult ScoreAnswer(string answer, ScoringRequest request);

    /// <summary>Throws unless the request has at least one non-null gold answer.</summary>
    protected static void RequireGoldAnswers(ScoringRequest request)
    {
        if (request.GoldAnswers is null || request.GoldAnswers.Count == 0)
            throw new ArgumentException("The request needs at least one gold answer.", nameof(request) + "." + nameof(request.GoldAnswers));
        if (request.GoldAnswers.Contains(null!))
            throw new ArgumentException("The gold answers must not contain null.", nameof(request) + "." + nameof(request.GoldAnswers));
    }
}
