using AgentFlow.MLNet.Rewards;

namespace RealModel;

/// <summary>
/// Scores an answer with the reward the AgentFlow transform already gave it (its <c>Reward</c> column), so evaluating
/// the held-out rows never calls the scorer, or the LLM judge, a second time. A reward that is missing (NaN: the
/// scorer failed) counts as wrong.
/// </summary>
internal sealed class RecordedRewards(IEnumerable<HeldOutRow> rows) : IAnswerScorer
{
    // The same question with the same answer gets one reward: the first row's, as a deterministic scorer would give it again.
    private readonly Dictionary<(string Question, string Answer), float> _rewards = rows
        .DistinctBy(r => (r.Question, r.PredictedAnswer))
        .ToDictionary(r => (r.Question, r.PredictedAnswer), r => r.Reward);

    public ValueTask<ScoreResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_rewards.TryGetValue((request.Question, request.Response), out float reward))
            throw new ArgumentException($"'{request.Question}' with answer '{request.Response}' is not a held-out row.", nameof(request));
        return ValueTask.FromResult(new ScoreResult(float.IsNaN(reward) ? 0 : reward, request.Response, "the reward the transform recorded"));
    }
}
