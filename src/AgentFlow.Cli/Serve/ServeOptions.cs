namespace AgentFlow.Cli.Serve;

/// <summary>What <c>agentflow serve</c> accepts, from its flags.</summary>
internal sealed record ServeOptions
{
    /// <summary>The model name <c>/v1/models</c> lists and requests must name.</summary>
    internal required string ModelName { get; init; }

    /// <summary>The bearer token every request must carry; null when the server is open.</summary>
    internal string? ApiKey { get; init; }

    /// <summary>The most new tokens one request may ask for; also what a request that names none gets.</summary>
    internal int MaxTokensLimit { get; init; } = 2048;

    /// <summary>Requests generating at once; more are answered 429 with <c>Retry-After</c>.</summary>
    internal int MaxConcurrentRequests { get; init; } = 64;

    /// <summary>The largest request body accepted, in bytes.</summary>
    internal long MaxRequestBytes { get; init; } = 4 * 1024 * 1024;
}
