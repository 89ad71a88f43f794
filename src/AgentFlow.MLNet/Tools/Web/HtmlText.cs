using System.Net;
using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Tools.Web;

/// <summary>Turns the HTML fragments search services put in titles and snippets into plain text.</summary>
internal static partial class HtmlText
{
    /// <summary>Drops tags, decodes entities and collapses white space: <c>a &lt;b&gt;bold&lt;/b&gt; &amp;amp; more</c> reads "a bold &amp; more".</summary>
    internal static string ToPlain(string html) =>
        WhiteSpace().Replace(WebUtility.HtmlDecode(Tag().Replace(html, "")), " ").Trim();

    [GeneratedRegex("<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpace();
}
