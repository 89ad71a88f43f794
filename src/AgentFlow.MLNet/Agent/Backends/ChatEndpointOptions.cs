namespace AgentFlow.MLNet.Agent.Backends;

/// <summary>
/// An OpenAI-compatible chat endpoint (vLLM, llama.cpp's <c>llama-server</c>, Ollama, <c>agentflow serve</c>, OpenAI
/// itself) that serves a module. The API key is read from an environment variable named here, never passed as a
/// value, so it does not show in a process list or a saved configuration.
/// </summary>
public sealed record ChatEndpointOptions
{
    /// <summary>The base URL as OpenAI clients take it, including the version segment: <c>http://127.0.0.1:8000/v1</c>. Required.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The model name sent with each request (<c>Qwen/Qwen2.5-7B-Instruct</c> on vLLM). Required.</summary>
    public required string Model { get; init; }

    /// <summary>
    /// The environment variable holding the API key, sent as a bearer token. Default null: no key (a placeholder is
    /// sent, which servers without authentication ignore). Named but unset or empty is an error when the client is made.
    /// </summary>
    public string? ApiKeyEnvironmentVariable { get; init; }

    /// <summary>Longest wait for one attempt's complete answer; an attempt that takes longer is retried. Default 120 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Retries after a failed attempt: connection refused or reset, an attempt's timeout, HTTP 408, 429 and 5xx. Other
    /// statuses (400, 401, 404) and malformed answers are not retried. Default 3.
    /// </summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>
    /// The first retry's delay; each next one doubles, with jitter. A <c>Retry-After</c> header (429/503) is honoured
    /// instead, up to <see cref="MaxRetryDelay"/>. Default 1 s.
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between two attempts, whatever the backoff or the server asks for. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is missing or out of range.</summary>
    public void Validate()
    {
        if (Endpoint is null || !Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"Endpoint must be an absolute http or https URL, got '{Endpoint}'.", nameof(Endpoint));
        if (string.IsNullOrWhiteSpace(Model))
            throw new ArgumentException("Model must name the model the endpoint serves.", nameof(Model));
        if (ApiKeyEnvironmentVariable is { } variable && string.IsNullOrWhiteSpace(variable))
            throw new ArgumentException("ApiKeyEnvironmentVariable must be a variable name or null.", nameof(ApiKeyEnvironmentVariable));
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "The timeout must be positive.");
        if (MaxRetries < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "Retries cannot be negative.");
        if (RetryDelay < TimeSpan.Zero || MaxRetryDelay < RetryDelay)
            throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, "The retry delay must be at least 0 and at most MaxRetryDelay.");
    }

    /// <summary>The API key from <see cref="ApiKeyEnvironmentVariable"/>, or null when none is named.</summary>
    /// <exception cref="InvalidOperationException">The variable is named but unset or empty.</exception>
    public string? ReadApiKey()
    {
        if (ApiKeyEnvironmentVariable is null)
            return null;
        string? key = Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable);
        return string.IsNullOrEmpty(key)
            ? throw new InvalidOperationException($"the API key variable {ApiKeyEnvironmentVariable} is not set (it names the environment variable that holds the key)")
            : key;
    }
}
