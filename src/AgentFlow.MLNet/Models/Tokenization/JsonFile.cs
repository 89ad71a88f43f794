using System.Text.Json;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// Reads the JSON files of a tokenizer folder with errors that name the file and the field, so a broken
/// download is diagnosed from the message alone.
/// </summary>
internal static class JsonFile
{
    /// <summary>Parses <paramref name="path"/>; <see cref="InvalidDataException"/> when it is not JSON.</summary>
    public static JsonDocument Parse(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The property <paramref name="name"/> of <paramref name="parent"/>, which must be of <paramref name="kind"/>.</summary>
    public static JsonElement Required(JsonElement parent, string name, JsonValueKind kind, string path, string where)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != kind)
            throw new InvalidDataException($"'{path}': '{where}{name}' is missing or is not a JSON {Describe(kind)}.");
        return value;
    }

    /// <summary>The property when present and not null; a property of another kind is an error.</summary>
    public static JsonElement? Optional(JsonElement parent, string name, JsonValueKind kind, string path, string where)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != kind)
            throw new InvalidDataException($"'{path}': '{where}{name}' should be a JSON {Describe(kind)}, found {value.ValueKind}.");
        return value;
    }

    /// <summary>An optional boolean property.</summary>
    public static bool? OptionalBool(JsonElement parent, string name, string path, string where)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"'{path}': '{where}{name}' should be a JSON boolean, found {value.ValueKind}."),
        };
    }

    /// <summary>An optional string property.</summary>
    public static string? OptionalString(JsonElement parent, string name, string path, string where) =>
        Optional(parent, name, JsonValueKind.String, path, where)?.GetString();

    /// <summary>The token text of a <c>bos_token</c>-style field: a string, an <c>{"content": ...}</c> object, or null.</summary>
    public static string? TokenContent(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object => Required(value, "content", JsonValueKind.String, path, name + ".").GetString(),
            _ => throw new InvalidDataException($"'{path}': '{name}' should be a string, an object with 'content', or null; found {value.ValueKind}."),
        };
    }

    private static string Describe(JsonValueKind kind) => kind.ToString().ToLowerInvariant();
}
