using System.Text.Json;
using Utf8Check = AgentFlow.MLNet.Text.StrictUtf8;

namespace AgentFlow.Cli.Serve;

/// <summary>
/// Reads the fields of an OpenAI request body, refusing a wrong type or range with a 400 naming the field. Holds the
/// parsed body, whose index is pooled memory, until disposed once the request is answered.
/// </summary>
internal sealed class RequestFields : IDisposable
{
    private readonly JsonDocument _document;
    private readonly JsonElement _root;

    private RequestFields(JsonDocument document)
    {
        _document = document;
        _root = document.RootElement;
    }

    /// <summary>
    /// Reads and parses the body. <paramref name="contentLength"/>, when the client sent one, presizes the buffer;
    /// Kestrel bounds the body itself by <c>--max-request-bytes</c> (a 413 when it is longer, chunked or not).
    /// </summary>
    // A header alone must not make the server allocate: the buffer starts at most this large and grows with the bytes that arrive.
    private const int InitialBufferBytes = 64 * 1024;

    internal static async Task<RequestFields> ReadAsync(Stream body, long? contentLength, long maxRequestBytes, CancellationToken cancellationToken)
    {
        // Read whole to check it is UTF-8, as JSON must be (RFC 8259): the parser leaves the bytes inside strings
        // unchecked until a string is read, when it could no longer say where they were.
        using var buffer = new MemoryStream(contentLength is > 0 and var length && length <= maxRequestBytes ? (int)Math.Min(length, InitialBufferBytes) : 0);
        await body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (Utf8Check.FindInvalid(bytes.Span) is { } invalid)
            throw OpenAIRequestException.BadRequest($"the request body is not valid UTF-8, which JSON must be: {invalid.Description}");
        // RFC 8259 lets a parser ignore a byte-order mark; System.Text.Json refuses one in memory, so it is dropped here.
        if (bytes.Span.StartsWith(Utf8Check.ByteOrderMark))
            bytes = bytes[Utf8Check.ByteOrderMark.Length..];
        JsonDocument document;
        try
        {
            // The document reads the buffer in place for its lifetime (the MemoryStream's array is not pooled); its index is pooled.
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw OpenAIRequestException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw OpenAIRequestException.BadRequest("the request body must be a JSON object");
        }
        return new RequestFields(document);
    }

    public void Dispose() => _document.Dispose();

    internal JsonElement? Get(string name) =>
        _root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    internal JsonElement Required(string name) => Get(name) ?? throw OpenAIRequestException.BadRequest($"'{name}' is required", name);

    internal string? String(string name) => Get(name) is { } value
        ? value.ValueKind == JsonValueKind.String ? Text(value, name, name) : throw OpenAIRequestException.BadRequest($"'{name}' must be a string", name)
        : null;

    /// <summary>
    /// The text of the JSON string <paramref name="value"/>, found at <paramref name="path"/> (<c>messages[0].content</c>);
    /// a 400 naming it when its escapes leave a surrogate without its pair (<c>"\ud800"</c>): that is not Unicode text, so
    /// no tokenizer encodes it, and it is refused as a JSON parser that follows RFC 8259's advice refuses it.
    /// </summary>
    internal static string Text(JsonElement value, string path, string parameter)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The one string System.Text.Json cannot read once the body parsed.
            throw OpenAIRequestException.BadRequest($"'{path}' holds a lone UTF-16 surrogate escape such as \\ud800, which is not Unicode text", parameter);
        }
    }

    internal bool? Bool(string name) => Get(name) is { } value
        ? value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw OpenAIRequestException.BadRequest($"'{name}' must be true or false", name)
        : null;

    internal double? Number(string name, double min, double max) => Get(name) is { } value
        ? value.ValueKind == JsonValueKind.Number && value.GetDouble() is var number && number >= min && number <= max
            ? number
            : throw OpenAIRequestException.BadRequest($"'{name}' must be a number from {min} to {max}", name)
        : null;

    internal long? Integer(string name, long min, long max) => Get(name) is { } value
        ? value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) && number >= min && number <= max
            ? number
            : throw OpenAIRequestException.BadRequest($"'{name}' must be a whole number from {min} to {max}", name)
        : null;

    /// <summary><c>stop</c>: a string or an array of up to 4 strings (OpenAI's limit).</summary>
    internal IList<string>? Stop()
    {
        if (Get("stop") is not { } value)
            return null;
        if (value.ValueKind == JsonValueKind.String)
            return [Text(value, "stop", "stop")];
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() <= 4 && value.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String))
            return [.. value.EnumerateArray().Select((s, i) => Text(s, $"stop[{i}]", "stop"))];
        throw OpenAIRequestException.BadRequest("'stop' must be a string or an array of at most 4 strings", "stop");
    }

    /// <summary>Refuses fields this server does not implement rather than silently ignoring them.</summary>
    internal void RefuseUnsupported()
    {
        if (Get("n") is { } n && !(n.ValueKind == JsonValueKind.Number && n.TryGetInt64(out long choices) && choices == 1))
            throw OpenAIRequestException.BadRequest("'n' must be 1: one choice per request", "n");
        if (Get("tools") is { ValueKind: JsonValueKind.Array } tools && tools.GetArrayLength() > 0)
            throw OpenAIRequestException.BadRequest("'tools' is not supported: AgentFlow's executor writes tool calls as text", "tools");
    }
}
