using System.Text.Json;

namespace AgentFlow.MLNet.Agent.Parsing;

/// <summary>
/// Reads the executor's tool call from free text: the last JSON object that parses (inside a code fence or not,
/// trailing commas and comments tolerated), either <c>{"tool": …, "arguments": {…}}</c> (also <c>name</c> /
/// <c>parameters</c> / <c>args</c>) or the bare arguments object; quoted data lines (<see cref="QuotedData"/>) are not read.
/// Never throws.
/// </summary>
public static class ToolCallParser
{
    private const int MaxAttempts = 400;
    private static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>
    /// Returns true with the tool name the call names (null when it names none) and its arguments object, or false
    /// with <paramref name="problem"/> when the text holds no JSON object.
    /// </summary>
    public static bool TryParse(string output, out string? toolName, out JsonElement arguments, out string? problem)
    {
        toolName = null;
        arguments = default;
        foreach (var candidate in JsonObjectsFromLast(QuotedData.WithoutQuotedLines(output ?? "")))
        {
            var root = candidate.RootElement;
            if (TryProperty(root, ["tool", "tool_name", "name"], out var name) && name.ValueKind == JsonValueKind.String)
            {
                toolName = NextStepParser.NormaliseToolName(name.GetString()!);
                if (TryProperty(root, ["arguments", "parameters", "args", "input"], out var args))
                {
                    arguments = args.ValueKind == JsonValueKind.String ? ParseOrWrap(args.GetString()!) : args.Clone();
                    problem = arguments.ValueKind == JsonValueKind.Object ? null : "the tool call's arguments are not a JSON object";
                    return problem is null;
                }
                arguments = JsonDocument.Parse("{}").RootElement.Clone();
                problem = null;
                return true;
            }
            arguments = root.Clone();
            problem = null;
            return true;
        }
        problem = "the executor's output holds no JSON object";
        return false;
    }

    private static bool TryProperty(JsonElement root, string[] names, out JsonElement value)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (names.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>Arguments some models send as a JSON string: parse it, or leave the string (reported as not an object).</summary>
    private static JsonElement ParseOrWrap(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, Lenient);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text);
        }
    }

    /// <summary>The last {...} span that parses as a JSON object (at most <see cref="MaxAttempts"/> spans are tried, so brace-heavy text stays cheap).</summary>
    private static IEnumerable<JsonDocument> JsonObjectsFromLast(string text)
    {
        int attempts = 0;
        for (int end = text.LastIndexOf('}'); end >= 0; end = end > 0 ? text.LastIndexOf('}', end - 1) : -1)
        {
            for (int start = text.LastIndexOf('{', end); start >= 0; start = start > 0 ? text.LastIndexOf('{', start - 1) : -1)
            {
                if (++attempts > MaxAttempts)
                    yield break;
                JsonDocument? document = null;
                try
                {
                    document = JsonDocument.Parse(text.AsMemory(start, end - start + 1), Lenient);
                }
                catch (JsonException)
                {
                }
                if (document is { RootElement.ValueKind: JsonValueKind.Object })
                {
                    yield return document;
                    yield break;
                }
                document?.Dispose();
            }
        }
    }
}
