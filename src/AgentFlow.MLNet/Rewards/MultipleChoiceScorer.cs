using System.Text.RegularExpressions;
using AgentFlow.MLNet.Rewards.Extraction;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Multiple-choice match: reads the chosen option letter and compares it with the gold letter. The letter is
/// read, in this order, from an answer that is just the letter (<c>B</c>, <c>(B)</c>, <c>B.</c>, <c>**B**</c>,
/// any case), from the last "answer is B" / "answer: (B)" / "option B" phrase, from a leading <c>B)</c> or
/// <c>B.</c> before the option's text, and from the last <c>(B)</c> anywhere. Outside the bare-letter form the
/// letter must be a capital, so the article in "the answer is a dog" is not read as option A.
/// </summary>
public sealed partial class MultipleChoiceScorer : AnswerScorer
{
    /// <summary>Creates the scorer.</summary>
    /// <param name="choices">The option letters, in capitals. Default "ABCDE".</param>
    /// <param name="extractor">How the answer is found in the response; null for <see cref="AnswerExtractors.Default"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="choices"/> is empty or holds something other than capitals A-Z.</exception>
    public MultipleChoiceScorer(string choices = "ABCDE", IAnswerExtractor? extractor = null) : base(extractor)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Length == 0 || !choices.All(char.IsAsciiLetterUpper))
            throw new ArgumentException($"The choices must be capital letters A-Z, but they are '{choices}'.", nameof(choices));
        Choices = choices;
    }

    /// <summary>The option letters.</summary>
    public string Choices { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">There is no gold answer, or one of them names no option letter.</exception>
    protected override void Validate(ScoringRequest request)
    {
        RequireGoldAnswers(request);
        foreach (string gold in request.GoldAnswers)
        {
            if (ReadLetter(gold) is null)
                throw new ArgumentException($"The gold answer '{gold}' is not one of the option letters '{Choices}'.", nameof(request) + "." + nameof(request.GoldAnswers));
        }
    }

    /// <inheritdoc />
    protected override ScoreResult ScoreAnswer(string answer, ScoringRequest request)
    {
        if (ReadLetter(answer) is not char chosen)
            return ScoreResult.Incorrect(answer, $"no option letter ({Choices}) in '{ScoringText.Quote(answer)}'");
        var golds = request.GoldAnswers.Select(g => ReadLetter(g)!.Value).ToArray();
        return golds.Contains(chosen)
            ? ScoreResult.Correct(answer, $"chose {chosen}, the gold option")
            : ScoreResult.Incorrect(answer, $"chose {chosen}, but the gold option is {string.Join(" or ", golds)}");
    }

    /// <summary>The option letter <paramref name="answer"/> names, or null.</summary>
    internal char? ReadLetter(string answer)
    {
        if (BareLetter().Match(answer) is { Success: true } bare && Option(char.ToUpperInvariant(bare.Groups["letter"].Value[0])) is { } letter)
            return letter;
        foreach (var pattern in new[] { AnswerPhrase(), LeadingLabel(), Parenthesized() })
        {
            var matches = pattern.Matches(answer);
            for (int i = matches.Count - 1; i >= 0; i--)
            {
                if (Option(matches[i].Groups["letter"].Value[0]) is { } found)
                    return found;
            }
        }
        return null;
    }

    private char? Option(char letter) => Choices.Contains(letter) ? letter : null;

    [GeneratedRegex(@"^[\s*_(\[]*(?<letter>[A-Za-z])[\s*_)\].:]*$", RegexOptions.CultureInvariant)]
    private static partial Regex BareLetter();

    [GeneratedRegex(@"(?i:answer|option|choice)(?:\s+(?i:is))?\s*:?\s*(?:(?i:option|choice)\s*)?[(\[]?(?<letter>[A-Z])(?![A-Za-z0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex AnswerPhrase();

    [GeneratedRegex(@"^[\s*_(\[]*(?<letter>[A-Z])\s*[).:\]]", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingLabel();

    [GeneratedRegex(@"\((?<letter>[A-Z])\)", RegexOptions.CultureInvariant)]
    private static partial Regex Parenthesized();
}
