using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentFlow.Cli.Serve;

/// <summary>Writes JSON bodies and server-sent events the way OpenAI's servers do.</summary>
internal static class ResponseWriting
{
    internal static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using (var json = new Utf8JsonWriter(context.Response.Body))
        {
            write(json);
        }
    }

    /// <summary>An OpenAI error object: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
    internal static void WriteError(Utf8JsonWriter json, int status, string message, string? parameter)
    {
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", message);
        json.WriteString("type", status switch { 401 => "authentication_error", 404 => "not_found_error", 429 => "rate_limit_error", >= 500 => "server_error", _ => "invalid_request_error" });
        if (parameter is null)
            json.WriteNull("param");
        else
            json.WriteString("param", parameter);
        json.WriteNull("code");
        json.WriteEndObject();
        json.WriteEndObject();
    }

    internal static Task WriteErrorAsync(HttpContext context, int status, string message, string? parameter = null) =>
        WriteJsonAsync(context, status, json => WriteError(json, status, message, parameter));

    internal static void StartEventStream(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
    }

    /// <summary>One <c>data: {...}</c> event, flushed so the client sees it now.</summary>
    internal static async Task WriteEventAsync(HttpContext context, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        await using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }
        await context.Response.Body.WriteAsync("data: "u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await context.Response.Body.WriteAsync("\n\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static async Task WriteDoneAsync(HttpContext context, CancellationToken cancellationToken)
    {
        await context.Response.Body.WriteAsync("data: [DONE]\n\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
