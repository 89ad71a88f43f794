using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Agent.Backends;

/// <summary>
/// The chat clients for one agent, made from <see cref="ModuleBackendOptions"/>: the local planner, each frozen module
/// on its endpoint or on the local frozen client, the judge and the <c>base_generator</c> tool's model. Modules that
/// name the same endpoint share one client. Disposing this disposes the endpoint clients it made, never the local ones.
/// </summary>
public sealed class ModuleClients : IDisposable
{
    private readonly List<IChatClient> _created = [];

    private ModuleClients(ModuleBackendOptions options, IChatClient planner, IChatClient localFrozen)
    {
        var byEndpoint = new Dictionary<ChatEndpointOptions, IChatClient>();
        try
        {
            Modules = new AgentModules(planner, Client(FrozenModule.Executor), Client(FrozenModule.Verifier), Client(FrozenModule.Generator))
            {
                QueryAnalyzer = Client(FrozenModule.QueryAnalysis),
            };
            Judge = Client(FrozenModule.Judge);
            BaseGenerator = Client(FrozenModule.BaseGenerator);
        }
        catch
        {
            Dispose();
            throw;
        }

        IChatClient Client(FrozenModule module)
        {
            if (options.For(module) is not { } endpoint)
                return localFrozen;
            if (!byEndpoint.TryGetValue(endpoint, out var client))
            {
                client = ChatEndpoints.Create(endpoint);
                byEndpoint[endpoint] = client;
                _created.Add(client);
            }
            return client;
        }
    }

    /// <summary>The planner and the frozen modules of the agent.</summary>
    public AgentModules Modules { get; }

    /// <summary>The client an LLM judge scores with.</summary>
    public IChatClient Judge { get; }

    /// <summary>The client behind the <c>base_generator</c> tool.</summary>
    public IChatClient BaseGenerator { get; }

    /// <summary>
    /// Makes the clients. <paramref name="planner"/> is the local, trainable planner; <paramref name="localFrozen"/>
    /// serves every frozen module that <paramref name="options"/> does not send to an endpoint.
    /// </summary>
    /// <exception cref="ArgumentException">An endpoint's options are missing or out of range.</exception>
    /// <exception cref="InvalidOperationException">An endpoint names an API key variable that is not set.</exception>
    public static ModuleClients Create(ModuleBackendOptions options, IChatClient planner, IChatClient localFrozen)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(localFrozen);
        return new ModuleClients(options, planner, localFrozen);
    }

    /// <summary>Disposes the endpoint clients this made.</summary>
    public void Dispose()
    {
        foreach (var client in _created)
            client.Dispose();
        _created.Clear();
    }
}
