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

    /// <summary>
    /// What happens to a prompt too long for the context. True (the default): its middle is cut by the rule of
    /// <see cref="LocalChatClient"/> and the cut is recorded (<c>GeneratedSequence.PromptTokensCut</c>), so an agent's
    /// module still answers a 1 MB question. False: the request is refused with an <see cref="ArgumentException"/>
    /// that gives the prompt's length and what fits, as an OpenAI-compatible server refuses it (400).
    /// </summary>
    public bool CutLongPrompts { get; init; } = true;
}
