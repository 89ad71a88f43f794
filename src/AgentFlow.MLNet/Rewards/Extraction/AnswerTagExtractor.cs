using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Rewards.Extraction;

/// <summary>
/// Reads the last non-empty <c>&lt;answer&gt;...&lt;/answer&gt;</c>, the format AgentFlow's prompts ask for.
/// Tags match case-insensitively and with spaces inside the brackets (<c>&lt; Answer &gt;</c>,
/// <c>&lt;/ answer&gt;</c>); a final tag left unclosed (generation cut at the token limit, or a model that
/// stops after the answer) runs to the end of the text.
/// </summary>
public sealed partial class AnswerTagExtractor : IAnswerExtractor
{
    /// <inheritdoc />
    public string? Extract(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        // Walk back from the last opening tag: a trailing empty tag (e.g. the model echoing the
        // instruction "use <answer> tags") must not hide a real answer given before it.
        var openings = OpeningTag().Matches(response);
        for (int i = openings.Count - 1; i >= 0; i--)
        {
            int start = openings[i].Index + openings[i].Length;
            var closing = ClosingTag().Match(response, start);
            int end = closing.Success ? closing.Index : response.Length;
            string content = response[start..end].Trim();
            if (content.Length > 0)
                return content;
        }
        return null;
    }

    [GeneratedRegex(@"<\s*answer\s*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OpeningTag();

    [GeneratedRegex(@"<\s*/\s*answer\s*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClosingTag();
}
