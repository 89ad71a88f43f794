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
/// <c>/v1/chat/completions</c> and <c>/v1/completions</c>. Every request goes through one <see cref="ModelHost"/>, so
/// concurrent requests are decoded in one batch. Errors are OpenAI error objects; nothing a client sends crashes it.
/// </summary>
internal sealed class OpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ModelHost _host;
    private readonly LocalChatClient _chat;

    internal OpenAIServer(LocalModel model, IPAddress address, int port, ServeOptions options)
    {
        _host = new ModelHost(model);
        _chat = _host.AsChatClient(new LocalChatClientOptions { ModelId = options.ModelName, UseAdapters = true });
        var chat = new ChatCompletionsEndpoint(model, _chat, options);
        var completions = new CompletionsEndpoint(model, _host, options);
        var slots = new SemaphoreSlim(options.MaxConcurrentRequests);

        // The slim builder reads no appsettings.json from the working folder; the listening address is only ours.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(address, port);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
        });
        _app = builder.Build();

        _app.Use(async (context, next) =>
        {
            if (options.ApiKey is { } key && !Authorized(context.Request, key))
            {
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
        _app.MapFallback(context => ResponseWriting.WriteErrorAsync(context, 404, $"no route {context.Request.Method} {context.Request.Path}; served: GET /v1/models, POST /v1/chat/completions, POST /v1/completions"));

        async Task HandleAsync(HttpContext context, Func<HttpContext, RequestFields, Task> handle)
        {
            if (!await slots.WaitAsync(0).ConfigureAwait(false))
            {
                context.Response.Headers.RetryAfter = "1";
                await ResponseWriting.WriteErrorAsync(context, 429, $"the server is generating {options.MaxConcurrentRequests} requests already; retry later").ConfigureAwait(false);
                return;
            }
            try
            {
                var request = await RequestFields.ReadAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
                string? requested = request.String("model");
                if (requested is not null && requested != options.ModelName)
                    throw new OpenAIRequestException(404, $"the model '{requested}' is not served here; this server serves '{options.ModelName}'", "model");
                request.RefuseUnsupported();
                await handle(context, request).ConfigureAwait(false);
            }
            catch (OpenAIRequestException e) when (!context.Response.HasStarted)
            {
                await ResponseWriting.WriteErrorAsync(context, e.Status, e.Message, e.Parameter).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                await ResponseWriting.WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
            }
            catch (ArgumentException e) when (!context.Response.HasStarted)
            {
                await ResponseWriting.WriteErrorAsync(context, 400, ErrorLines.Message(e)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; its row was freed at its next token.
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                Console.Error.WriteLine(ErrorLines.Warning($"{context.Request.Path} failed: {e.Message}"));
                await ResponseWriting.WriteErrorAsync(context, 500, $"generation failed: {e.Message}").ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }
    }

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

    private static bool Authorized(HttpRequest request, string key)
    {
        string header = request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.Ordinal))
            return false;
        // Constant time, so the key cannot be guessed from how long a refusal takes.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Bearer.Length..]), Encoding.UTF8.GetBytes(key));
    }
}
