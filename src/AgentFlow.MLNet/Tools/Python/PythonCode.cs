using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>Takes the code out of a Markdown fence when a model wraps it in one, as models usually do.</summary>
internal static partial class PythonCode
{
    /// <summary>The first fenced block's contents, or <paramref name="text"/> itself when it has no fence.</summary>
    internal static string Unfence(string text) =>
        Fenced().Match(text) is { Success: true } block ? block.Groups["code"].Value : text;

    [GeneratedRegex(@"```[ \t]*(?:python3?|py)?[ \t]*\r?\n(?<code>.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Fenced();
}
