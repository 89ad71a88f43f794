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

    /// <summary>What <see cref="MaxBatchSize"/> is at most unless <c>--max-batch-size</c> says otherwise.</summary>
    internal const int DefaultMaxBatchSize = 64;

    /// <summary>
    /// Rows decoded together, each with its own KV cache, so this bounds the model's memory; requests admitted to a
    /// slot beyond it wait for a row. At most <see cref="MaxConcurrentRequests"/>; by default that, up to
    /// <see cref="DefaultMaxBatchSize"/>.
    /// </summary>
    internal int MaxBatchSize { get; init; } = DefaultMaxBatchSize;

    /// <summary>
    /// Request bodies read at once, outside the slots: twice the slots, so clients that send their bodies slowly cannot
    /// hold every slot (a body is read before its request takes one) and buffered bodies stay bounded.
    /// </summary>
    internal int MaxBodiesBeingRead => 2 * MaxConcurrentRequests;

    /// <summary>The largest request body accepted, in bytes.</summary>
    internal long MaxRequestBytes { get; init; } = 4 * 1024 * 1024;
}
