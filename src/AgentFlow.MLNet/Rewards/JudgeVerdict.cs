using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Reads a judge model's reply tolerantly: the last <c>Verdict: true|false</c> (any case, Markdown bold,
/// quotes, <c>=</c> or <c>-</c> between; yes/no and correct/incorrect count too; the keys
/// <c>true_false</c> and <c>judgment</c> as well, so JSON replies read), else a last line that is only
/// such a word. The analysis is the text after <c>Analysis:</c>, else the whole reply.
/// </summary>
internal static partial class JudgeVerdict
{
    /// <summary>Reads the verdict; false when the reply holds none.</summary>
    internal static bool TryParse(string reply, out bool verdict, out string analysis)
    {
        verdict = false;
        analysis = AnalysisSection().Match(reply) is { Success: true } section
            ? section.Groups["text"].Value.Trim()
            : reply.Trim();
        var labelled = Labelled().Matches(reply);
        if (labelled.Count > 0)
            return TryRead(labelled[^1].Groups["word"].Value, out verdict);
        string lastLine = reply.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        return TryRead(new string([.. lastLine.Where(char.IsLetter)]), out verdict);
    }

    private static bool TryRead(string word, out bool verdict)
    {
        switch (word.ToLowerInvariant())
        {
            case "true" or "yes" or "correct":
                verdict = true;
                return true;
            case "false" or "no" or "incorrect":
                verdict = false;
                return true;
            default:
                verdict = false;
                return false;
        }
    }

    [GeneratedRegex(@"\b(?:verdict|true_false|judge?ment)\b[\s*_""':=\-]*(?<word>true|false|yes|no|correct|incorrect)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Labelled();

    [GeneratedRegex(@"\banalysis\b[\s*_""']*[:=][\s*_""']*(?<text>.*?)(?=\bverdict\b|$)", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex AnalysisSection();
}
