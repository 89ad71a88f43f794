using System.Text;
using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Agent.Parsing;

/// <summary>
/// The rule that keeps data from posing as a module's words. What a tool returned enters every prompt as quoted
/// data: each line starts with <see cref="LinePrefix"/> and its answer tags are escaped. The parsers of module output
/// (planner fields, the executor's call, the verifier's conclusion) skip quoted lines. So a tool result holding
/// <c>Conclusion: STOP</c>, <c>Tool Name: python</c> or <c>&lt;answer&gt;…&lt;/answer&gt;</c> cannot forge a verdict, a
/// planner field or the final answer, even when a model copies it from the memory into its reply.
/// </summary>
public static partial class QuotedData
{
    /// <summary>What every line of quoted data starts with.</summary>
    public const string LinePrefix = "| ";

    /// <summary>
    /// <paramref name="text"/> as quoted data, each line indented by <paramref name="indent"/> and prefixed with
    /// <see cref="LinePrefix"/>, with <c>&lt;answer&gt;</c> and <c>&lt;/answer&gt;</c> written <c>&amp;lt;answer&gt;</c> and
    /// <c>&amp;lt;/answer&gt;</c>.
    /// </summary>
    public static string Quote(string text, string indent = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        var quoted = new StringBuilder();
        string[] lines = AnswerTag().Replace(text, "&lt;$1").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (i > 0)
                quoted.Append('\n');
            quoted.Append(indent).Append(LinePrefix).Append(lines[i].TrimEnd('\r'));
        }
        return quoted.ToString();
    }

    /// <summary><paramref name="output"/> without its quoted lines (those whose first non-blank character is '|').</summary>
    public static string WithoutQuotedLines(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.Contains('|'))
            return output;
        return string.Join('\n', output.Split('\n').Where(line => !line.TrimStart().StartsWith('|')));
    }

    [GeneratedRegex(@"<(\s*/?\s*answer\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AnswerTag();
}
