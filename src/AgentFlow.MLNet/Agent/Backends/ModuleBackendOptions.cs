namespace AgentFlow.MLNet.Agent.Backends;

/// <summary>
/// Where each frozen module runs: on <see cref="Frozen"/>'s endpoint, on its own endpoint (<see cref="Overrides"/>), or
/// locally when neither names one. The planner always runs locally: it is the module being trained, and training needs
/// its exact token ids and log-probs.
/// </summary>
public sealed record ModuleBackendOptions
{
    /// <summary>The endpoint every frozen module uses unless overridden. Default null: the local model.</summary>
    public ChatEndpointOptions? Frozen { get; init; }

    /// <summary>Per-module endpoints that replace <see cref="Frozen"/> for that module. Default none.</summary>
    public IReadOnlyDictionary<FrozenModule, ChatEndpointOptions> Overrides { get; init; } = new Dictionary<FrozenModule, ChatEndpointOptions>();

    /// <summary>The endpoint <paramref name="module"/> runs on, or null when it runs on the local model.</summary>
    public ChatEndpointOptions? For(FrozenModule module) =>
        Overrides.TryGetValue(module, out var endpoint) ? endpoint : Frozen;
}
