using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Agent.Parsing;

/// <summary>
/// Reads "Label: value" fields from free model text, tolerating markdown decoration (<c>**Label:**</c>,
/// <c>## Label</c>, <c>- Label:</c>) and any case. A field's value runs to the next known label; when a label
/// appears several times the last occurrence wins (models often restate their answer at the end).
/// </summary>
internal static partial class LabeledFields
{
    internal static Dictionary<string, string> Read(string text, IReadOnlyDictionary<string, string[]> labels)
    {
        var alternatives = labels.SelectMany(pair => pair.Value.Select(alias => (Key: pair.Key, Alias: alias))).ToList();
        string pattern = string.Join("|", alternatives.Select(a => Regex.Escape(a.Alias).Replace("\\ ", "[\\s_-]*")));
        var matches = new Regex($@"(?im)^[\s>*#\-]*(?:\*\*|__)?\s*(?<label>{pattern})\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?", RegexOptions.CultureInvariant).Matches(text);

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < matches.Count; i++)
        {
            var match = matches[i];
            string label = match.Groups["label"].Value;
            string key = alternatives.First(a => Normalise(a.Alias) == Normalise(label)).Key;
            int end = i + 1 < matches.Count ? matches[i + 1].Index : text.Length;
            result[key] = Clean(text[(match.Index + match.Length)..end]);
        }
        return result;
    }

    private static string Normalise(string label) => SeparatorsPattern().Replace(label, "").ToLowerInvariant();

    private static string Clean(string value) => value.Trim().Trim('*', '_', '`', '"', '\'').Trim();

    [GeneratedRegex(@"[\s_-]+")]
    private static partial Regex SeparatorsPattern();
}
