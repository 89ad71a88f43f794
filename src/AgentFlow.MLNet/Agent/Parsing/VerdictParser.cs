using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Agent.Parsing;

/// <summary>
/// Reads the verifier's <c>Conclusion: STOP</c> or <c>Conclusion: CONTINUE</c> (the last one wins; quoted data lines, see <see cref="QuotedData"/>, are not read). Output with no
/// readable conclusion continues the loop and says why, so a rambling verifier costs a turn, never the run.
/// </summary>
public static partial class VerdictParser
{
    /// <summary>Parses <paramref name="output"/>; never throws.</summary>
    public static Verdict Parse(string output)
    {
        output = QuotedData.WithoutQuotedLines(output ?? "");
        var matches = ConclusionPattern().Matches(output);
        if (matches.Count == 0)
            return new Verdict(false, output.Trim(), "the verifier's output has no 'Conclusion: STOP|CONTINUE'");
        var last = matches[^1];
        bool stop = last.Groups["verdict"].Value.Equals("STOP", StringComparison.OrdinalIgnoreCase);
        return new Verdict(stop, output[..last.Index].Trim(), null);
    }

    [GeneratedRegex(@"conclusion\W*[:：]?\W*(?<verdict>STOP|CONTINUE)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConclusionPattern();
}
