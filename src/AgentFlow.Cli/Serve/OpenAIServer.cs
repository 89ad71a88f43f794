using System.Net;
using System.Security.Cryptography;
using System.Text;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFlow.Cli.Serve;

/// <summary>
/// An OpenAI-compatible HTTP server (Kestrel, minimal API) over one local model: <c>/v1/models</c>,
/// <c>/v1/chat/completions</c> and <c>/v1/completions</c>, with Prometheus counters on <c>/metrics</c>. Every request
/// goes through one <see cref="ModelHost"/>, so concurrent requests are decoded in one batch. Errors are OpenAI error
/// objects; nothing a client sends crashes it.
/// </summary>
internal sealed class OpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ModelHost _host;
    private readonly LocalChatClient _chat;

    internal OpenAIServer(LocalModel model, IPAddress address, int port, ServeOptions options)
    {
        // By default one decode row per slot, so every request the server admits is decoding rather than queued behind
        // the batch; --max-batch-size caps the rows (each holds a KV cache) below a large slot count.
        _host = new ModelHost(model, new ModelHostOptions { MaxBatchSize = Math.Min(options.MaxBatchSize, options.MaxConcurrentRequests) });
        _chat = _host.AsChatClient(new LocalChatClientOptions { ModelId = options.ModelName, UseAdapters = true });
        var chat = new ChatCompletionsEndpoint(model, _chat, options);
        var completions = new CompletionsEndpoint(model, _host, options);
        var slots = new SemaphoreSlim(options.MaxConcurrentRequests);
        // Bodies are read before a request takes a slot, so a client that sends its body slowly holds only a reader.
        var readers = new SemaphoreSlim(options.MaxBodiesBeingRead);
        var metrics = new ServeMetrics(_host);
        byte[]? keyHash = options.ApiKey is { } apiKey ? SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)) : null;

        // The slim builder reads no appsettings.json from the working folder; the listening address is only ours.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(address, port);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            // A client that sends its body slower than this (after a grace period), or its headers slower than the
            // timeout, is cut off rather than left holding a reader and its buffer. Kestrel's defaults (240 B/s after
            // 5 s, 30 s for the headers) let a 4 MiB body take hours.
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(bytesPerSecond: 64 * 1024, gracePeriod: TimeSpan.FromSeconds(2));
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        _app = builder.Build();

        _app.Use(async (context, next) =>
        {
            if (keyHash is not null && !Authorized(context.Request, keyHash))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await ResponseWriting.WriteErrorAsync(context, 401, "a valid API key is required: send 'Authorization: Bearer <key>'").ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });
        _app.MapGet("/v1/models", context => ResponseWriting.WriteJsonAsync(context, 200, json =>
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            json.WriteStartObject();
            json.WriteString("id", options.ModelName);
            json.WriteString("object", "model");
            json.WriteNumber("created", 0);
            json.WriteString("owned_by", "agentflow");
            json.WriteNumber("max_model_len", model.Model.Config.MaxPositionEmbeddings);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }));
        _app.MapPost("/v1/chat/completions", context => HandleAsync(context, chat.HandleAsync));
        _app.MapPost("/v1/completions", context => HandleAsync(context, completions.HandleAsync));
        _app.MapGet("/metrics", metrics.WriteAsync);
        _app.MapFallback(context => ResponseWriting.WriteErrorAsync(context, 404, $"no route {context.Request.Method} {context.Request.Path}; served: GET /v1/models, POST /v1/chat/completions, POST /v1/completions, GET /metrics"));

        async Task HandleAsync(HttpContext context, Func<HttpContext, RequestFields, Task> handle)
        {
            RequestFields? request = null;
            bool holdsSlot = false;
            var outcome = RequestOutcome.Failed;
            try
            {
                // The body is read and checked before the request takes a slot: a slot is held only while generating.
                if (!await readers.WaitAsync(0).ConfigureAwait(false))
                {
                    outcome = RequestOutcome.Rejected;
                    await RefuseAsync(context, $"the server is reading {options.MaxBodiesBeingRead} request bodies already; retry later").ConfigureAwait(false);
                    return;
                }
                try
                {
                    request = await RequestFields.ReadAsync(context.Request.Body, context.Request.ContentLength, options.MaxRequestBytes, context.RequestAborted).ConfigureAwait(false);
                }
                finally
                {
                    readers.Release();
                }
                string? requested = request.String("model");
                if (requested is not null && requested != options.ModelName)
                    throw new OpenAIRequestException(404, $"the model '{requested}' is not served here; this server serves '{options.ModelName}'", "model");
                request.RefuseUnsupported();

                if (!await slots.WaitAsync(0).ConfigureAwait(false))
                {
                    outcome = RequestOutcome.Rejected;
                    await RefuseAsync(context, $"the server is generating {options.MaxConcurrentRequests} requests already; retry later").ConfigureAwait(false);
                    return;
                }
                holdsSlot = true;
                metrics.Started();
                await handle(context, request).ConfigureAwait(false);
                outcome = context.RequestAborted.IsCancellationRequested ? RequestOutcome.Disconnected : RequestOutcome.Ok;
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away: the generation was cancelled with it, and the host frees its row at the row's
                // next token. Whatever was thrown (a cancelled wait, a write to the closed connection) says only that.
                outcome = RequestOutcome.Disconnected;
            }
            catch (OpenAIRequestException e) when (!context.Response.HasStarted)
            {
                outcome = RequestOutcome.Invalid;
                await ResponseWriting.WriteErrorAsync(context, e.Status, e.Message, e.Parameter).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                outcome = RequestOutcome.Invalid;
                await ResponseWriting.WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
            }
            catch (ArgumentException e) when (!context.Response.HasStarted)
            {
                outcome = RequestOutcome.Invalid;
                await ResponseWriting.WriteErrorAsync(context, 400, ErrorLines.Message(e)).ConfigureAwait(false);
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                // The details (paths, library internals) go to the server's log, not to a network client.
                Console.Error.WriteLine(ErrorLines.Warning($"{context.Request.Path} failed: {e}"));
                await ResponseWriting.WriteErrorAsync(context, 500, GenerationFailed).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A stream already under way cannot carry a status any more; breaking the connection tells the client it is incomplete.
                Console.Error.WriteLine(ErrorLines.Warning($"{context.Request.Path} failed mid-stream: {e}"));
                context.Abort();
            }
            finally
            {
                request?.Dispose();
                if (holdsSlot)
                {
                    // Counted before the slot is given back (ServeMetrics.Ended), so whoever takes it next sees this outcome.
                    metrics.Ended(outcome);
                    slots.Release();
                }
                else
                {
                    metrics.Count(outcome);
                }
            }
        }

        Task RefuseAsync(HttpContext context, string message)
        {
            context.Response.Headers.RetryAfter = "1";
            return ResponseWriting.WriteErrorAsync(context, 429, message);
        }
    }

    /// <summary>The model host every request goes through.</summary>
    internal ModelHost Host => _host;

    /// <summary>The address Kestrel bound, with the port it chose when asked for port 0.</summary>
    internal string Address => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    internal Task StartAsync(CancellationToken cancellationToken) => _app.StartAsync(cancellationToken);

    internal Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        _chat.Dispose();
        _host.Dispose();
    }

    /// <summary>What a client is told when generation fails on the server's side; the details go to standard error.</summary>
    internal const string GenerationFailed = "generation failed (see the server log)";

    private static bool Authorized(HttpRequest request, byte[] keyHash)
    {
        string header = request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        // Auth schemes are case-insensitive (RFC 7235 section 2.1): "bearer KEY" is as good as "Bearer KEY".
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
            return false;
        // The hashes are compared, in constant time and always at the same length, so neither the key nor its length
        // can be guessed from how long a refusal takes.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header[Bearer.Length..])), keyHash);
    }
}
