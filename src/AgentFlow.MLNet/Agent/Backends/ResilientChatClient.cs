using System.ClientModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFlow.MLNet.Text;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AgentFlow.MLNet.Agent.Backends;

/// <summary>
/// Wraps a remote endpoint's client: each attempt has <see cref="ChatEndpointOptions.Timeout"/>; connection failures,
/// timeouts, 408, 429 and 5xx are retried with exponential backoff (or the server's <c>Retry-After</c>); the final
/// failure becomes a <see cref="ChatEndpointException"/> whose message says what happened, in words a user can act on.
/// </summary>
internal sealed class ResilientChatClient : DelegatingChatClient
{
    private readonly ChatEndpointOptions _options;
    private readonly ResiliencePipeline _pipeline;

    internal ResilientChatClient(IChatClient inner, ChatEndpointOptions options)
        : base(inner)
    {
        _options = options;
        var builder = new ResiliencePipelineBuilder();
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Exception)),
            });
        }
        _pipeline = builder.AddTimeout(options.Timeout).Build();
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = messages.ToList();
        int attempts = 0;
        try
        {
            return await _pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                return await base.GetResponseAsync(request, options, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Describe(e, attempts);
        }
    }

    /// <summary>Streams without retries (a retry could repeat text already delivered); failures are described the same way.</summary>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ChatResponseUpdate update;
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    yield break;
                update = updates.Current;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw Describe(e, attempts: 1);
            }
            yield return update;
        }
    }

    private static bool IsTransient(Exception error) => error switch
    {
        TimeoutRejectedException or HttpRequestException => true,
        ClientResultException { Status: 0 } => true,  // no response at all: refused, reset, name not resolved
        ClientResultException { Status: 408 or 429 or >= 500 } => true,
        _ => false,
    };

    private TimeSpan? RetryAfter(Exception? error)
    {
        if (error is not ClientResultException { Status: 429 or 503 } failure || failure.GetRawResponse() is not { } response
            || !response.Headers.TryGetValue("Retry-After", out string? value))
            return null;   // Polly's own backoff
        TimeSpan? asked = double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
            ? TimeSpan.FromSeconds(Math.Max(0, seconds))
            : DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
                ? at - DateTimeOffset.UtcNow
                : null;
        return asked is { } delay ? TimeSpan.FromTicks(Math.Clamp(delay.Ticks, 0, _options.MaxRetryDelay.Ticks)) : null;
    }

    private ChatEndpointException Describe(Exception error, int attempts)
    {
        string where = $"the endpoint {_options.Endpoint} (model {_options.Model})";
        string tries = attempts == 1 ? "1 attempt" : $"{attempts} attempts";
        return error switch
        {
            TimeoutRejectedException => new($"{where} did not answer within {_options.Timeout.TotalSeconds:0.###} s ({tries})", attempts, null, error),
            ClientResultException { Status: 0 } failure => new($"{where} is unreachable after {tries}: {Innermost(failure).Message}", attempts, null, error),
            ClientResultException failure => new($"{where} answered HTTP {failure.Status} after {tries}: {Body(failure)}", attempts, failure.Status, error),
            HttpRequestException => new($"{where} is unreachable after {tries}: {Innermost(error).Message}", attempts, null, error),
            JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException =>
                new($"{where} answered something that is not an OpenAI chat completion: {error.Message}", attempts, 200, error),
            _ => new($"{where} failed after {tries}: {error.Message}", attempts, null, error),
        };
    }

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is not null)
            error = error.InnerException;
        return error;
    }

    /// <summary>The start of the error body the server sent (its own explanation), on one line.</summary>
    private static string Body(ClientResultException failure)
    {
        string body = failure.GetRawResponse()?.Content?.ToString() ?? "";
        body = string.Join(' ', body.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return body.Length == 0 ? "(no body)" : body.Length <= 300 ? body : Utf16Text.Prefix(body, 300) + "...";
    }
}
