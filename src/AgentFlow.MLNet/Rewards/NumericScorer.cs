using AgentFlow.MLNet.Rewards.Extraction;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Numeric match with tolerance: the answer is right when its number is within
/// max(<see cref="AbsoluteTolerance"/>, <see cref="RelativeTolerance"/> × the larger magnitude) of any gold
/// answer's number. Numbers are read leniently (<c>1,234</c>, <c>-3.5</c>, <c>3/4</c>, <c>$12</c>, <c>12%</c>,
/// <c>\frac{3}{4}</c>, <c>42.0</c>, the last number of "27 miles"); a percentage counts as either its number or
/// a hundredth of it. Used for AIME24 and AMC23.
/// </summary>
public sealed class NumericScorer : AnswerScorer
{
    /// <summary>Creates the scorer.</summary>
    /// <param name="relativeTolerance">Allowed difference relative to the larger magnitude. Default 1e-6.</param>
    /// <param name="absoluteTolerance">Allowed absolute difference, which matters near zero. Default 1e-9.</param>
    /// <param name="extractor">How the answer is found in the response; null for <see cref="AnswerExtractors.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A tolerance is negative or not finite.</exception>
    public NumericScorer(double relativeTolerance = 1e-6, double absoluteTolerance = 1e-9, IAnswerExtractor? extractor = null)
        : base(extractor)
    {
        if (!(relativeTolerance >= 0 && double.IsFinite(relativeTolerance)))
            throw new ArgumentOutOfRangeException(nameof(relativeTolerance), relativeTolerance, "A tolerance must be a finite number >= 0.");
        if (!(absoluteTolerance >= 0 && double.IsFinite(absoluteTolerance)))
            throw new ArgumentOutOfRangeException(nameof(absoluteTolerance), absoluteTolerance, "A tolerance must be a finite number >= 0.");
        RelativeTolerance = relativeTolerance;
        AbsoluteTolerance = absoluteTolerance;
    }

    /// <summary>Allowed difference relative to the larger magnitude.</summary>
    public double RelativeTolerance { get; }

    /// <summary>Allowed absolute difference.</summary>
    public double AbsoluteTolerance { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">There is no gold answer, or one of them is not a number.</exception>
    protected override void Validate(ScoringRequest request)
    {
        RequireGoldAnswers(request);
        foreach (string gold in request.GoldAnswers)
        {
            if (!NumericAnswerParser.TryParse(gold, out _))
                throw new ArgumentException($"The gold answer '{gold}' is not a number.", nameof(request) + "." + nameof(request.GoldAnswers));
        }
    }

    /// <inheritdoc />
    protected override ScoreResult ScoreAnswer(string answer, ScoringRequest request)
    {
        if (!NumericAnswerParser.TryParse(answer, out var number))
            return ScoreResult.Incorrect(answer, $"no number in '{ScoringText.Quote(answer)}'");
        foreach (string gold in request.GoldAnswers)
        {
            NumericAnswerParser.TryParse(gold, out var expected);
            if (number.Readings.Any(a => expected.Readings.Any(b => Close(a, b))))
                return ScoreResult.Correct(answer, $"{number} equals the gold answer {gold}");
        }
        return ScoreResult.Incorrect(answer, $"{number} differs from the gold answers: {ScoringText.List(request.GoldAnswers)}");
    }

    private bool Close(double a, double b) =>
        Math.Abs(a - b) <= Math.Max(AbsoluteTolerance, RelativeTolerance * Math.Max(Math.Abs(a), Math.Abs(b)));
}
