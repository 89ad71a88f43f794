using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Rewards.Extraction;

/// <summary>
/// The fallback: the whole response, trimmed, without a leading <c>Answer:</c> / <c>Final answer:</c>
/// label. It finds something in any non-blank text, so it belongs last in a chain.
/// </summary>
public sealed partial class PlainAnswerExtractor : IAnswerExtractor
{
    /// <inheritdoc />
    public string? Extract(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        string content = Label().Replace(response.Trim(), "", 1).Trim();
        return content.Length > 0 ? content : null;
    }

    [GeneratedRegex(@"^(?:\*\*)?(?:the\s+)?(?:final\s+)?answer(?:\s+is)?\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Label();
}
