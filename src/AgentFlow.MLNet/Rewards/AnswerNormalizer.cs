using System.Text;
using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// SQuAD-style answer normalisation: lower case, punctuation removed, the articles a/an/the dropped, runs of
/// whitespace collapsed to one space. Punctuation and symbols are removed in the Unicode sense (so the
/// en dash of "323–272 BC" and "$" go too, as ASCII punctuation does in the original). A LaTeX
/// <c>\boxed{}</c> or <c>\text{}</c> wrapped around the whole answer is unwrapped first, so
/// <c>\boxed{Paris}</c> reads as "Paris".
/// </summary>
internal static partial class AnswerNormalizer
{
    internal static string Normalize(string answer)
    {
        string text = LatexWrapper().Match(answer.Trim()) is { Success: true } wrapped ? wrapped.Groups["inner"].Value : answer;
        var kept = new StringBuilder(text.Length);
        foreach (char c in text.ToLowerInvariant())
        {
            if (!char.IsPunctuation(c) && !char.IsSymbol(c))
                kept.Append(c);
        }
        string withoutArticles = Article().Replace(kept.ToString(), " ");
        return Whitespace().Replace(withoutArticles, " ").Trim();
    }

    [GeneratedRegex(@"^\$*\s*\\(?:boxed|text|textbf|mathrm)\s*\{(?<inner>[^{}]*)\}\s*\$*$", RegexOptions.CultureInvariant)]
    private static partial Regex LatexWrapper();

    [GeneratedRegex(@"\b(?:a|an|the)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Article();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}
