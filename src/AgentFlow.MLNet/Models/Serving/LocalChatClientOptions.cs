using AgentFlow.MLNet.Models.Generation;

namespace AgentFlow.MLNet.Models.Serving;

/// <summary>How a <see cref="LocalChatClient"/> turns chat requests into generation requests.</summary>
public sealed record LocalChatClientOptions
{
    /// <summary>
    /// Sampling used where neither the request's <c>ChatOptions</c> nor the model's generation_config.json says
    /// otherwise. Default greedy, 512 new tokens.
    /// </summary>
    public SamplingOptions Sampling { get; init; } = new() { MaxNewTokens = 512 };

    /// <summary>
    /// Whether requests run with the model's LoRA adapters (the trained planner: true) or the base weights (frozen
    /// modules: false). A request overrides it with <see cref="LocalChatOptions.WithAdapters"/>. Default true.
    /// </summary>
    public bool UseAdapters { get; init; } = true;

    /// <summary>Model id reported in responses; default the path the model was loaded from.</summary>
    public string? ModelId { get; init; }
}
