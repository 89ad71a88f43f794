using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tools.Functions;

/// <summary>
/// Makes any Microsoft.Extensions.AI <see cref="AIFunction"/> a tool: a .NET method wrapped by
/// <see cref="AIFunctionFactory"/>, an MCP tool, a function another library exposes. The card comes from the
/// function's name (in snake_case), description and JSON schema; the model's JSON arguments are passed
/// through as <see cref="AIFunctionArguments"/>. Arguments the function rejects (a missing parameter, a value
/// of the wrong type) make a failed result; other exceptions are left for <see cref="ToolRegistry"/>.
/// </summary>
public sealed partial class AIFunctionTool : ITool
{
    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly AIFunction function;

    /// <summary>Wraps <paramref name="function"/>.</summary>
    /// <param name="function">The function to call.</param>
    /// <param name="card">The card to show; null for <see cref="CreateCard"/>. Pass <c>CreateCard(function) with { ... }</c> to add demos or advice.</param>
    /// <exception cref="ArgumentException">The function's name has no letters to make a tool name from.</exception>
    public AIFunctionTool(AIFunction function, ToolCard? card = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        this.function = function;
        Card = card ?? CreateCard(function);
    }

    /// <inheritdoc />
    public ToolCard Card { get; }

    /// <summary>The card a function describes: its name in snake_case, its description and its parameter schema.</summary>
    /// <exception cref="ArgumentException">The function's name has no letters to make a tool name from.</exception>
    public static ToolCard CreateCard(AIFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        string name = ToSnakeCase(function.Name);
        return new ToolCard
        {
            Name = name,
            Description = string.IsNullOrWhiteSpace(function.Description) ? $"Calls the function {function.Name}." : function.Description,
            InputSchema = function.JsonSchema.GetRawText(),
            OutputDescription = function.ReturnJsonSchema is { } returns
                ? $"A JSON value matching {JsonSerializer.Serialize(returns, CompactJson)}"
                : "",
        };
    }

    /// <inheritdoc />
    public async ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (arguments.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null))
            return ToolResult.Failure($"the arguments must be a JSON object, but they are {arguments.ValueKind}");

        var functionArguments = new AIFunctionArguments();
        if (arguments.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in arguments.EnumerateObject())
                functionArguments[property.Name] = property.Value.Clone();
        }
        object? value;
        try
        {
            value = await function.InvokeAsync(functionArguments, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ArgumentException or JsonException)
        {
            return ToolResult.Failure($"invalid arguments for {Card.Name}: {exception.Message}");
        }
        return ToolResult.Success(ToText(value));
    }

    /// <summary>Strings as they are, everything else as JSON (so a void function reads <c>null</c>).</summary>
    private string ToText(object? value) => value switch
    {
        null => "null",
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString()!,
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(value, function.JsonSerializerOptions),
    };

    /// <summary><c>GetWeather</c>, <c>getHTTPStatus</c> and <c>get-weather</c> become <c>get_weather</c> and <c>get_http_status</c>.</summary>
    internal static string ToSnakeCase(string name)
    {
        string words = WordBoundary().Replace(name, "_");
        return NonWord().Replace(words, "_").Trim('_').ToLowerInvariant();
    }

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", RegexOptions.CultureInvariant)]
    private static partial Regex WordBoundary();

    [GeneratedRegex("[^A-Za-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex NonWord();
}
