using AgentFlow.MLNet.Models.Generation;

namespace AgentFlow.MLNet.Models.Serving;

/// <summary>How <see cref="LocalChatClient"/> batches and samples.</summary>
public sealed record LocalChatClientOptions
{
    /// <summary>Most sequences decoded together in one batch. Default 64.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>How long the batcher waits after the first queued request for others to join it. Default 2 ms.</summary>
    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Sampling used where neither the request's <c>ChatOptions</c> nor the model's generation_config.json says
    /// otherwise. Default greedy, 512 new tokens.
    /// </summary>
    public SamplingOptions Sampling { get; init; } = new() { MaxNewTokens = 512 };

    /// <summary>Model id reported in responses; default the path the model was loaded from.</summary>
    public string? ModelId { get; init; }
}
