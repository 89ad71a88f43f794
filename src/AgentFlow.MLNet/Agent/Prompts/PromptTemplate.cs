using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Agent.Prompts;

/// <summary>
/// A prompt with <c>{placeholder}</c> slots. Only the placeholders a module provides may appear, so a typo in an
/// overridden prompt fails when the agent is built, not silently at run time. Literal braces are written <c>{{</c> and <c>}}</c>.
/// </summary>
public sealed partial class PromptTemplate
{
    /// <summary>Creates a template; <paramref name="allowed"/> are the placeholders its module fills.</summary>
    /// <exception cref="ArgumentException">The text uses a placeholder not in <paramref name="allowed"/>.</exception>
    public PromptTemplate(string name, string text, IReadOnlyCollection<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(text);
        var unknown = Placeholder().Matches(text).Select(m => m.Groups[1].Value).Where(p => !allowed.Contains(p)).Distinct().ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Prompt '{name}' uses unknown placeholder(s) {string.Join(", ", unknown.Select(u => "{" + u + "}"))}; it may use {string.Join(", ", allowed.Select(a => "{" + a + "}"))}.", nameof(text));
        Name = name;
        Text = text;
        Allowed = allowed;
    }

    /// <summary>Which prompt this is (for errors and trajectories).</summary>
    public string Name { get; }

    /// <summary>The template text.</summary>
    public string Text { get; }

    /// <summary>The placeholders it may use.</summary>
    public IReadOnlyCollection<string> Allowed { get; }

    /// <summary>Fills every placeholder; each allowed placeholder must be given a value.</summary>
    public string Render(IReadOnlyDictionary<string, string> values) =>
        // One pass over the template only: inserted values (questions with LaTeX, JSON in memory) are never rescanned.
        Token().Replace(Text, m => m.Value switch
        {
            "{{" => "{",
            "}}" => "}",
            _ => values.TryGetValue(m.Groups[1].Value, out var value)
                ? value
                : throw new ArgumentException($"Prompt '{Name}' needs a value for {{{m.Groups[1].Value}}}.", nameof(values)),
        });

    // A single-brace {name}; doubled braces are literals.
    [GeneratedRegex(@"(?<!\{)\{([a-z_]+)\}(?!\})")]
    private static partial Regex Placeholder();

    // What rendering replaces: an escaped brace, or a placeholder.
    [GeneratedRegex(@"\{\{|\}\}|\{([a-z_]+)\}")]
    private static partial Regex Token();
}
