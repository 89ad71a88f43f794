using System.Text.RegularExpressions;
using AgentFlow.MLNet.Rewards.Extraction;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Multiple-choice match: reads the chosen option letter and compares it with the gold letter. The letter is
/// read, in this order, from an answer that is just the letter (<c>B</c>, <c>(B)</c>, <c>B.</c>, <c>**B**</c>,
/// <c>\text{B}</c>, any case), from the last answer phrase ("answer is B", "answer: (B)", "option B", "I pick B",
/// "I think B", "it is B"), from a leading label before the option's text (<c>B)</c>, <c>B.</c>, <c>B:</c>,
/// <c>(B)</c>), and from the last <c>(B)</c> anywhere.
/// </summary>
/// <remarks>
/// Outside the bare-letter form the letter must be a capital that stands alone as a choice: not inside a word
/// (<c>A's</c>, <c>A.I.</c>, <c>C++</c>) and not followed on its line by another word, except a connective such
/// as "because", "since", "and" or "is". That is what tells a choice from the capitals that are English words:
/// in "The answer is A large dog" the A is the article and in "I think I should" the second I is the pronoun,
/// so neither is read, while "The answer is A because..." and "The answer is A, a large dog" choose A. A
/// response that names its option only by text ("Vitamin C", "The answer is B Paris") has no letter to read.
/// </remarks>
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

    // The whole answer is one letter, perhaps bracketed, emphasised, in LaTeX text or math, or ending a sentence.
    [GeneratedRegex(@"^[\s*_$]*(?:\\(?:text|textbf|mathrm|mathbf)\s*\{)?[\s(\[]*(?<letter>[A-Za-z])[\s)\]]*\}?[\s*_.:$]*$", RegexOptions.CultureInvariant)]
    private static partial Regex BareLetter();

    // "answer is B", "answer would be (B)", "answer: **B**", "option B", "choice: B", "I pick B", "go with B", "I think B", "it's B".
    [GeneratedRegex(@"(?i:\b(?:answer|option|choice|choo?se|pick(?:ed)?|select(?:ed)?|go(?:ing)?\s+with|think|it(?:'s|’s|\s+is))\b)"
        + @"(?:\s+(?i:is|(?:would|should|must|will)\s+be))?\s*[:：]?\s*(?:(?i:option|choice)\s*)?[*_(\[{$]*(?<letter>[A-Z])" + StandsAlone,
        RegexOptions.CultureInvariant)]
    private static partial Regex AnswerPhrase();

    // "B) 42 apples", "(B) 42", "B. Paris", "B: the second one" at the start of the answer; not "A.I." or "A large".
    [GeneratedRegex(@"^[\s*_]*[(\[]?(?<letter>[A-Z])(?:[)\]]|[.:](?=[\s*_]|$))", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingLabel();

    [GeneratedRegex(@"\((?<letter>[A-Z])\)", RegexOptions.CultureInvariant)]
    private static partial Regex Parenthesized();

    /// <summary>
    /// After the letter: no word character, apostrophe or "+" ("A's", "C++"), and no further word on the same line
    /// unless it is a connective, which never follows the article "a" or the pronoun "I".
    /// </summary>
    private const string StandsAlone =
        @"(?![\p{L}\p{N}_'’+])(?![ \t]+(?!(?i:because|since|as|which|and|or|but|so|is)(?![\p{L}\p{N}_'’-]))[\p{L}\p{N}])";
}
