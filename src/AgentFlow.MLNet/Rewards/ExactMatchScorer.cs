using AgentFlow.MLNet.Rewards.Extraction;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Normalised exact match against a list of aliases: the answer is right when, after SQuAD-style
/// normalisation (lower case, no punctuation, no a/an/the, single spaces), it equals any gold answer.
/// A single gold answer is the one-alias case. Used for Bamboogle, HotpotQA, 2Wiki and MuSiQue.
/// </summary>
public sealed class ExactMatchScorer : AnswerScorer
{
    /// <summary>Creates the scorer.</summary>
    /// <param name="extractor">How the answer is found in the response; null for <see cref="AnswerExtractors.Default"/>.</param>
    public ExactMatchScorer(IAnswerExtractor? extractor = null) : base(extractor)
    {
    }

    /// <inheritdoc />
    protected override void Validate(ScoringRequest request) => RequireGoldAnswers(request);

    /// <inheritdoc />
    protected override ScoreResult ScoreAnswer(string answer, ScoringRequest request)
    {
        string normalized = AnswerNormalizer.Normalize(answer);
        foreach (string gold in request.GoldAnswers)
        {
            if (AnswerNormalizer.Normalize(gold) == normalized)
                return ScoreResult.Correct(answer, $"'{normalized}' matches the gold answer '{gold}'");
        }
        return ScoreResult.Incorrect(answer, $"'{normalized}' matches none of the gold answers: {ScoringText.List(request.GoldAnswers)}");
    }
}
