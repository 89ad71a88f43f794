using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Tools;

/// <summary>
/// What the planner and executor are told about a tool: its name, what it does, how to call it (a JSON
/// schema), what comes back, examples, limitations and best practices. The reference AgentFlow keeps the
/// same fields as tool metadata and pastes them into prompts; <see cref="Render"/> writes them compactly.
/// </summary>
public sealed partial record ToolCard
{
    // The default encoder escapes '+', '<', '&' and every non-ASCII letter, which makes schemas harder to read.
    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The name the tool is called by, in snake_case (<c>web_search</c>).</summary>
    /// <exception cref="ArgumentException">The name is not snake_case: lower-case letters and digits in words joined by single underscores, starting with a letter.</exception>
    public required string Name
    {
        get;
        init => field = SnakeCase().IsMatch(value ?? "")
            ? value!
            : throw new ArgumentException($"A tool name must be snake_case (such as 'web_search'), but it is '{value}'.", nameof(Name));
    }

    /// <summary>What the tool does, in a sentence or two.</summary>
    public required string Description
    {
        get;
        init => field = !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new ArgumentException("The description of a tool must not be empty.", nameof(Description));
    }

    /// <summary>The JSON schema of the arguments object, as JSON text.</summary>
    /// <exception cref="ArgumentException">The text is not a JSON object.</exception>
    public required string InputSchema
    {
        get;
        init => field = IsJsonObject(value)
            ? value
            : throw new ArgumentException($"The input schema must be a JSON object, but it is '{value}'.", nameof(InputSchema));
    }

    /// <summary>What a successful call returns. Default empty (not shown).</summary>
    public string OutputDescription { get; init; } = "";

    /// <summary>Example calls and what they return. Default none.</summary>
    public IReadOnlyList<ToolDemo> Demos { get; init; } = [];

    /// <summary>What the tool cannot do, so the planner does not pick it for that. Default none.</summary>
    public IReadOnlyList<string> Limitations { get; init; } = [];

    /// <summary>How to get good results from the tool. Default none.</summary>
    public IReadOnlyList<string> BestPractices { get; init; } = [];

    /// <summary>The card as a compact text block for prompts; empty sections are left out.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        text.Append("Tool: ").Append(Name).Append('\n');
        text.Append("Description: ").Append(Description.Trim()).Append('\n');
        text.Append("Input (JSON schema): ").Append(Minify(InputSchema)).Append('\n');
        if (OutputDescription.Length > 0)
            text.Append("Output: ").Append(OutputDescription.Trim()).Append('\n');
        AppendList(text, "Examples", Demos.Select(demo => $"{Name} {demo.Arguments.Trim()} -> {demo.Returns.Trim()}"));
        AppendList(text, "Limitations", Limitations);
        AppendList(text, "Best practices", BestPractices);
        return text.ToString();
    }

    private static void AppendList(StringBuilder text, string heading, IEnumerable<string> items)
    {
        bool any = false;
        foreach (string item in items)
        {
            if (!any)
                text.Append(heading).Append(":\n");
            any = true;
            text.Append("- ").Append(item.Trim()).Append('\n');
        }
    }

    /// <summary>The schema without insignificant white space: prompts pay for every token.</summary>
    private static string Minify(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement, CompactJson);
    }

    private static bool IsJsonObject(string? text)
    {
        if (text is null)
            return false;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SnakeCase();
}
