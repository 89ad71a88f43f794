using AgentFlow.MLNet.Models.Hosting;

namespace AgentFlow.MLNet.Models.Serving;

/// <summary>Chat views over a <see cref="ModelHost"/>.</summary>
public static class ModelHostChatClients
{
    /// <summary>
    /// An <see cref="LocalChatClient"/> over <paramref name="host"/>; many views (the planner with adapters, the frozen
    /// modules without) share one host and one copy of the weights. Disposing a view leaves the host running.
    /// </summary>
    public static LocalChatClient AsChatClient(this ModelHost host, LocalChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new LocalChatClient(host, options ?? new LocalChatClientOptions(), ownsHost: false);
    }
}
