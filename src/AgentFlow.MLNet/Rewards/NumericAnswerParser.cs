using System.Globalization;
using System.Text.RegularExpressions;
using AgentFlow.MLNet.Rewards.Extraction;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Reads a number from an answer as models write them: <c>1,234</c>, <c>-3.5</c> (also with the Unicode
/// minus), <c>3/4</c>, <c>$12</c>, <c>12%</c>, <c>\frac{3}{4}</c> (and <c>\dfrac</c>, <c>\tfrac</c>),
/// <c>42.0</c>, inside <c>$...$</c> or <c>\boxed{}</c>, or after an <c>=</c> (<c>x = 5</c>). When the whole
/// answer is not one number, the last number in it is taken ("27 miles" reads 27), unless it holds a root, power,
/// product or π, which makes it an expression rather than a number (it then does not parse).
/// </summary>
internal static partial class NumericAnswerParser
{
    [GeneratedRegex(@"\\sqrt|\^|\\times|\\cdot|\\pi")]
    private static partial Regex ExpressionMarker();

    private static readonly IAnswerExtractor Boxed = new BoxedAnswerExtractor();

    internal static bool TryParse(string text, out NumericAnswer answer)
    {
        string cleaned = Clean(text);
        bool isPercent = cleaned.EndsWith('%');
        if (isPercent)
            cleaned = cleaned[..^1].TrimEnd();
        if (TryParseWhole(cleaned, out double value))
        {
            answer = new NumericAnswer(value, isPercent);
            return true;
        }
        // Roots, powers and scientific notation are expressions, not numbers to pick a token from:
        // "5\sqrt{2}" must not read 2, nor "25 m^2" read 2.
        if (ExpressionMarker().IsMatch(cleaned))
        {
            answer = default;
            return false;
        }
        var tokens = NumberToken().Matches(cleaned);
        for (int i = tokens.Count - 1; i >= 0; i--)
        {
            if (TryParseWhole(tokens[i].Value, out value))
            {
                answer = new NumericAnswer(value, IsPercent: false);
                return true;
            }
        }
        answer = default;
        return false;
    }

    /// <summary>Removes the LaTeX and currency dressing around a number, and anything up to the last '='.</summary>
    private static string Clean(string text)
    {
        string s = Boxed.Extract(text) ?? text;
        s = s.Replace('−', '-')
            .Replace(@"\%", "%").Replace(@"\$", "").Replace("$", "")
            .Replace(@"\left", "").Replace(@"\right", "")
            .Replace(@"\!", "").Replace(@"\,", "").Replace(@"\;", "").Replace(@"\ ", " ")
            .Replace("{,}", ",")
            .Replace(@"^\circ", "").Replace(@"^{\circ}", "").Replace("°", "");
        int equals = s.LastIndexOf('=');
        if (equals >= 0)
            s = s[(equals + 1)..];
        return s.Trim().TrimEnd('.').Trim();
    }

    /// <summary>Parses <paramref name="s"/> when it is exactly one number: integer, decimal, fraction or \frac.</summary>
    private static bool TryParseWhole(string s, out double value)
    {
        s = s.Trim();
        if (LatexFraction().Match(s) is { Success: true } latex)
            return TryDivide(latex, out value);
        if (SlashFraction().Match(s) is { Success: true } slash)
            return TryDivide(slash, out value);
        if (Decimal().IsMatch(s))
            return double.TryParse(s.Replace(",", ""), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
        value = 0;
        return false;
    }

    private static bool TryDivide(Match fraction, out double value)
    {
        value = 0;
        double numerator = double.Parse(fraction.Groups["num"].Value, CultureInfo.InvariantCulture);
        double denominator = double.Parse(fraction.Groups["den"].Value, CultureInfo.InvariantCulture);
        if (denominator == 0)
            return false;
        value = (fraction.Groups["sign"].Value == "-" ? -1 : 1) * numerator / denominator;
        return true;
    }

    [GeneratedRegex(@"^(?<sign>[-+]?)\s*\\[dt]?frac\s*\{\s*(?<num>\d+(?:\.\d+)?)\s*\}\s*\{\s*(?<den>\d+(?:\.\d+)?)\s*\}$", RegexOptions.CultureInvariant)]
    private static partial Regex LatexFraction();

    [GeneratedRegex(@"^(?<sign>[-+]?)\s*(?<num>\d+(?:\.\d+)?)\s*/\s*(?<den>\d+(?:\.\d+)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex SlashFraction();

    // An optional sign, then either thousands groups ("1,234,567") or plain digits, then optional decimals;
    // at least one digit somewhere ("-.5" and "3." are numbers, "." and "-" are not).
    [GeneratedRegex(@"^[-+]?(?=\.?\d)(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Decimal();

    [GeneratedRegex(@"[-+]?\\[dt]?frac\s*\{[^{}]*\}\s*\{[^{}]*\}|[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?|[-+]?\.\d+", RegexOptions.CultureInvariant)]
    private static partial Regex NumberToken();
}
