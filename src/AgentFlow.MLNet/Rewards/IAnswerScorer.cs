namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Turns a model's free-text response into a reward in [0, 1] with an explanation. Implementations are
/// stateless and safe to share across threads; a response that cannot be scored (no answer found,
/// garbage, an unreadable judge reply) is a 0 with its reason, never an exception.
/// </summary>
public interface IAnswerScorer
{
    /// <summary>Scores <see cref="ScoringRequest.Response"/> against the request's gold answers (or puzzle numbers).</summary>
    /// <param name="request">The response and what it is scored against.</param>
    /// <param name="cancellationToken">Cancels a scorer that waits on something, such as an LLM judge.</param>
    /// <exception cref="ArgumentException">The request lacks what this scorer needs, such as gold answers.</exception>
    ValueTask<ScoreResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default);
}
