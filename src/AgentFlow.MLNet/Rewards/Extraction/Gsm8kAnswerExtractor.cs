using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Rewards.Extraction;

/// <summary>
/// Reads the GSM8K convention: the rest of the line after the last <c>####</c> (as in <c>#### 42</c>).
/// A trailing full stop is dropped, since models often end the sentence there.
/// </summary>
public sealed partial class Gsm8kAnswerExtractor : IAnswerExtractor
{
    /// <inheritdoc />
    public string? Extract(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var matches = Marker().Matches(response);
        for (int i = matches.Count - 1; i >= 0; i--)
        {
            string content = matches[i].Groups["answer"].Value.Trim().TrimEnd('.').TrimEnd();
            if (content.Length > 0)
                return content;
        }
        return null;
    }

    // "#### 42" but not a Markdown heading ("#### Step 2"): the marker must be exactly four hashes
    // followed by something that starts like a number, a sign, a dollar amount or a LaTeX command.
    [GeneratedRegex(@"(?<!#)####(?!#)[ \t]*(?<answer>[-−+$\\\d.(][^\r\n]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Marker();
}
