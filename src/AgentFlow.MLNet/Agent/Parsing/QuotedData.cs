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
        // Every line break a reader may see (\r, U+0085, U+2028, U+2029 too) starts a prefixed line.
        string[] lines = AnswerTag().Replace(LineBreak().Replace(text, "\n"), "&lt;$1").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (i > 0)
                quoted.Append('\n');
            quoted.Append(indent).Append(LinePrefix).Append(lines[i]);
        }
        return quoted.ToString();
    }

    /// <summary>
    /// <paramref name="output"/> without its quoted lines: those whose first character after blanks and markdown
    /// decoration (<c>&gt; * - # `</c>, list numbers) is '|', so a copy dressed as a quote or a list item still counts as data.
    /// </summary>
    public static string WithoutQuotedLines(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.Contains('|'))
            return output;
        return string.Join('\n', LineBreak().Replace(output, "\n").Split('\n').Where(line => !QuotedLine().IsMatch(line)));
    }

    [GeneratedRegex(@"\r\n?|[\u0085\u2028\u2029]")]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"^[\s>*#\-_`\d.)]*\|")]
    private static partial Regex QuotedLine();

    [GeneratedRegex(@"<(\s*/?\s*answer\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AnswerTag();
}
