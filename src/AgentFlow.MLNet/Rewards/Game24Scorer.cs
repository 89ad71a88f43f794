using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using AgentFlow.MLNet.Rewards.Extraction;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// The Game-of-24 checker: the answer must be an arithmetic expression that uses each of the puzzle's numbers
/// (<see cref="ScoringRequest.Numbers"/>) exactly once, only + - * / and parentheses, and equals the target
/// exactly. It checks the model's own expression, so any correct solution counts, not only the listed ones.
/// </summary>
/// <remarks>
/// <para>
/// Written forms accepted: <c>*</c>, <c>×</c>, <c>x</c>/<c>X</c>, <c>·</c>, <c>\times</c> and <c>\cdot</c> for
/// multiplication (the letter x is safe here: a Game-of-24 answer has no variables, and models write
/// "3 x 8"); <c>/</c>, <c>÷</c>, <c>\div</c> and <c>\frac{a}{b}</c> for division; <c>-</c>, the Unicode minus
/// <c>−</c> and the en dash for subtraction; square and curly brackets as parentheses; <c>$</c>, a
/// <c>\boxed{}</c> around the expression and <c>\left</c>/<c>\right</c> are ignored; one side of an <c>=</c> may be the target (<c>(1+1+1)×8 = 24</c>).
/// </para>
/// <para>
/// Arithmetic is exact (rationals over <see cref="BigInteger"/>), not within a tolerance, so 8/(3-8/3) is 24
/// and 23.9999 never is. The numbers must appear as written integers: no unary minus, no decimals, no digit
/// concatenation (1 and 2 do not make 12), no powers or other functions; a division by zero is a wrong answer.
/// </para>
/// </remarks>
public sealed partial class Game24Scorer : AnswerScorer
{
    /// <summary>Creates the checker.</summary>
    /// <param name="target">The value the expression must reach. Default 24.</param>
    /// <param name="extractor">How the expression is found in the response; null for <see cref="AnswerExtractors.Default"/>.</param>
    public Game24Scorer(int target = 24, IAnswerExtractor? extractor = null) : base(extractor) => Target = target;

    /// <summary>The value the expression must reach.</summary>
    public int Target { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The request has no puzzle numbers, or a negative one.</exception>
    protected override void Validate(ScoringRequest request)
    {
        if (request.Numbers is null || request.Numbers.Count == 0)
            throw new ArgumentException("The Game-of-24 checker needs the puzzle's numbers.", nameof(request) + "." + nameof(request.Numbers));
        if (request.Numbers.Any(n => n < 0))
            throw new ArgumentException($"The puzzle's numbers must not be negative: [{string.Join(", ", request.Numbers)}].", nameof(request) + "." + nameof(request.Numbers));
    }

    /// <inheritdoc />
    protected override ScoreResult ScoreAnswer(string answer, ScoringRequest request)
    {
        if (!TryIsolateExpression(answer, out string expression, out string error)
            || !ArithmeticExpression.TryParse(expression, out var parsed, out error))
            return ScoreResult.Incorrect(answer, $"'{ScoringText.Quote(answer)}': {error}");

        var used = parsed!.Literals.Order().ToArray();
        var given = request.Numbers.Select(n => new BigInteger(n)).Order().ToArray();
        if (!used.SequenceEqual(given))
            return ScoreResult.Incorrect(answer, $"uses [{string.Join(", ", used)}] but the puzzle's numbers are [{string.Join(", ", given)}], each exactly once");

        if (!parsed.TryEvaluate(out var value))
            return ScoreResult.Incorrect(answer, $"'{expression}' divides by zero");
        return value.Equals(Rational.FromInteger(Target))
            ? ScoreResult.Correct(answer, $"'{expression}' uses each number once and equals {Target}")
            : ScoreResult.Incorrect(answer, $"'{expression}' equals {value}, not {Target}");
    }

    /// <summary>
    /// Rewrites the answer's symbols to plain <c>+ - * / ( )</c>, drops a side that just states the target
    /// (<c>= 24</c>), and refuses any other character.
    /// </summary>
    private bool TryIsolateExpression(string answer, out string expression, out string error)
    {
        string text = (AnswerExtractors.Boxed.Extract(answer) ?? answer).Replace(@"\left", "").Replace(@"\right", "").Replace("$", "")
            .Replace(@"\times", "*").Replace(@"\cdot", "*").Replace(@"\div", "/");
        // \frac{a}{b} -> ((a)/(b)); innermost first, so nested fractions unwind in a few passes.
        for (string previous = ""; previous != text;)
            (previous, text) = (text, LatexFraction().Replace(text, "(($1)/($2))"));
        var plain = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            plain.Append(c switch
            {
                '×' or 'x' or 'X' or '·' or '∗' => '*',
                '÷' => '/',
                '−' or '–' => '-',
                '[' or '{' => '(',
                ']' or '}' => ')',
                _ => c,
            });
        }

        string[] sides = plain.ToString().Split('=', StringSplitOptions.TrimEntries);
        string target = Target.ToString(System.Globalization.CultureInfo.InvariantCulture);
        (expression, error) = sides.Length switch
        {
            1 => (sides[0], ""),
            2 when sides[1] == target => (sides[0], ""),
            2 when sides[0] == target => (sides[1], ""),
            2 => ("", $"an '=' must have {target} on one side"),
            _ => ("", "more than one '='"),
        };
        if (error.Length > 0)
            return false;
        if (expression.Length == 0)
        {
            error = "no expression";
            return false;
        }
        foreach (char c in expression)
        {
            // '.' passes so that a decimal is refused by name below rather than as a stray character.
            if (!char.IsAsciiDigit(c) && !char.IsWhiteSpace(c) && "+-*/().".IndexOf(c) < 0)
            {
                error = $"unexpected character '{c}' (only numbers, + - * / and parentheses)";
                return false;
            }
        }
        return true;
    }

    [GeneratedRegex(@"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex LatexFraction();
}
