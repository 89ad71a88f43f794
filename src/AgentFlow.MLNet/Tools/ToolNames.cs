using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Tools;

/// <summary>
/// How a tool name written by a model is matched to a registered tool: letter case is ignored and runs of
/// white space count as one underscore, as the reference AgentFlow matches planner output
/// ("Web Search" finds <c>web_search</c>).
/// </summary>
internal static partial class ToolNames
{
    /// <summary>The lookup key for <paramref name="name"/>.</summary>
    internal static string Normalize(string name) => WhiteSpace().Replace(name.Trim(), "_").ToLowerInvariant();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpace();
}
