using System.Text.Json;
using System.Text.Json.Serialization;
using AgentFlow.MLNet.Models.Generation;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Models.Serving;

/// <summary>
/// The local engine's per-request settings and its token-level record, carried in the sanctioned extension points of
/// Microsoft.Extensions.AI (<see cref="AdditionalPropertiesDictionary"/> on <see cref="ChatOptions"/> and
/// <see cref="ChatResponse"/>), so they pass through middleware, and the record survives a caching round trip.
/// </summary>
public static class LocalChatOptions
{
    /// <summary>ChatOptions key: a bool choosing adapters on (planner) or off (frozen module, reference) for this request.</summary>
    public const string UseAdaptersKey = "agentflow.use_adapters";

    /// <summary>ChatResponse key: the <see cref="GeneratedSequence"/> behind the response (exact ids, log-probs, effective sampling).</summary>
    public const string GenerationKey = "agentflow.generation";

    // Reads enums written as names or numbers: middlewares serialise with their own settings.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>A copy of <paramref name="options"/> (or new options) that runs with adapters on or off.</summary>
    public static ChatOptions WithAdapters(this ChatOptions? options, bool useAdapters)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        copy.AdditionalProperties = copy.AdditionalProperties?.Clone() ?? [];
        copy.AdditionalProperties[UseAdaptersKey] = useAdapters;
        return copy;
    }

    /// <summary>
    /// The sampled ids, log-probs and effective sampling settings behind <paramref name="response"/>, or null when it
    /// did not come from a local model. Also reads the record after a middleware serialised it to JSON.
    /// </summary>
    public static GeneratedSequence? GetGeneratedSequence(this ChatResponse response) =>
        response?.AdditionalProperties?.TryGetValue(GenerationKey, out object? value) == true ? Read(value) : null;

    /// <summary>The record on the final update of a streamed response (see <see cref="GetGeneratedSequence(ChatResponse)"/>).</summary>
    public static GeneratedSequence? GetGeneratedSequence(this ChatResponseUpdate update) =>
        update?.AdditionalProperties?.TryGetValue(GenerationKey, out object? value) == true ? Read(value) : null;

    internal static bool? UseAdapters(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(UseAdaptersKey, out object? value) == true
            ? value switch
            {
                bool flag => flag,
                JsonElement { ValueKind: JsonValueKind.True } => true,
                JsonElement { ValueKind: JsonValueKind.False } => false,
                _ => throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{UseAdaptersKey}\"] must be a bool, not {value?.GetType().Name ?? "null"}.", nameof(options)),
            }
            : null;

    private static GeneratedSequence? Read(object? value) => value switch
    {
        GeneratedSequence sequence => sequence,
        JsonElement element => element.Deserialize<GeneratedSequence>(Json),
        _ => null,
    };
}
