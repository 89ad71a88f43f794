namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Scores the G answers one question received together, so each reward can depend on the others (a judge that ranks
/// them). Flow-GRPO normalises rewards within a group anyway, so a relative judgement is all its advantage needs; it
/// also works where no single gold answer exists. Implementations are safe to share across threads; an answer that
/// cannot be scored is a 0 with its reason, and a failing judge throws (its group is then an infrastructure failure).
/// </summary>
public interface IGroupAnswerScorer
{
    /// <summary>Scores every response of <paramref name="request"/>, in order.</summary>
    /// <returns>One result per response of the request, in the same order.</returns>
    ValueTask<IReadOnlyList<ScoreResult>> ScoreGroupAsync(GroupScoringRequest request, CancellationToken cancellationToken = default);
}

/// <summary>The answers one question received, scored together by an <see cref="IGroupAnswerScorer"/>.</summary>
/// <param name="Question">The question that was asked.</param>
/// <param name="Responses">The final responses of the group's trajectories, free text; at least one.</param>
public sealed record GroupScoringRequest(string Question, IReadOnlyList<string> Responses)
{
    /// <summary>Reference answers, when the task has them; a relative judge may use them or rank without. Default none.</summary>
    public IReadOnlyList<string> GoldAnswers { get; init; } = [];
}
