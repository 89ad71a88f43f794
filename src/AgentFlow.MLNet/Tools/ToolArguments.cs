using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using AgentFlow.MLNet.Text;

namespace AgentFlow.MLNet.Tools;

/// <summary>
/// Reads fields of a model-written arguments object. Each reader returns false with a message the model can
/// act on (which field, what was expected, what came) instead of throwing, because bad arguments are a
/// failed call, not a program error.
/// </summary>
internal static class ToolArguments
{
    /// <summary>Reads the required, non-blank string field <paramref name="name"/>.</summary>
    internal static bool TryGetString(JsonElement arguments, string name, [NotNullWhen(true)] out string? value, out string error)
    {
        value = null;
        if (!TryGetField(arguments, name, out var field, out error))
            return false;
        if (field.ValueKind != JsonValueKind.String || field.GetString() is not { } text || string.IsNullOrWhiteSpace(text))
        {
            error = $"the field '{name}' must be a non-empty string, but it is {Describe(field)}";
            return false;
        }
        value = text;
        return true;
    }

    /// <summary>
    /// Reads the optional integer field <paramref name="name"/> in [<paramref name="min"/>, <paramref name="max"/>];
    /// <paramref name="fallback"/> when it is absent or null. Numbers written as strings ("5") are accepted,
    /// as models often quote them.
    /// </summary>
    internal static bool TryGetOptionalInt(JsonElement arguments, string name, int fallback, int min, int max, out int value, out string error)
    {
        value = fallback;
        error = "";
        if (!IsObject(arguments, out error))
            return false;
        if (!arguments.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
            return true;
        bool read = field.ValueKind switch
        {
            JsonValueKind.Number => field.TryGetInt32(out value),
            JsonValueKind.String => int.TryParse(field.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
        if (read && value >= min && value <= max)
            return true;
        error = $"the field '{name}' must be an integer from {min} to {max}, but it is {Describe(field)}";
        return false;
    }

    private static bool TryGetField(JsonElement arguments, string name, out JsonElement field, out string error)
    {
        field = default;
        if (!IsObject(arguments, out error))
            return false;
        if (arguments.TryGetProperty(name, out field))
            return true;
        error = $"the arguments have no field '{name}'; got {Describe(arguments)}";
        return false;
    }

    private static bool IsObject(JsonElement arguments, out string error)
    {
        error = arguments.ValueKind == JsonValueKind.Object ? "" : $"the arguments must be a JSON object, but they are {Describe(arguments)}";
        return error.Length == 0;
    }

    /// <summary>A short description of what the model sent, quoted and cut to keep error messages small.</summary>
    private static string Describe(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Undefined)
            return "missing";
        string raw = element.GetRawText();
        return raw.Length <= 120 ? raw : Utf16Text.Prefix(raw, 117) + "...";
    }
}
