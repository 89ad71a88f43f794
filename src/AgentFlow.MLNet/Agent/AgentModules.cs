using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Agent;

/// <summary>
/// The chat clients behind the modules. Any <see cref="IChatClient"/> works (the local TorchSharp engine or an
/// OpenAI-compatible server); only the planner is trained, so only its client needs to return token ids
/// (the local engine does). One client may serve several modules.
/// </summary>
/// <param name="Planner">Chooses each next step; the trained module.</param>
/// <param name="Executor">Turns a step into a tool call.</param>
/// <param name="Verifier">Decides STOP or CONTINUE after each step; also writes the query analysis unless <see cref="QueryAnalyzer"/> is set.</param>
/// <param name="Generator">Writes the final answer.</param>
public sealed record AgentModules(IChatClient Planner, IChatClient Executor, IChatClient Verifier, IChatClient Generator)
{
    /// <summary>Writes the query analysis before the first turn. Default null: the <see cref="Verifier"/>'s client.</summary>
    public IChatClient? QueryAnalyzer { get; init; }

    /// <summary>Every module served by one client.</summary>
    public static AgentModules Shared(IChatClient client) => new(client, client, client, client);

    /// <summary>A trainable planner plus one frozen client for the other three modules.</summary>
    public static AgentModules WithPlanner(IChatClient planner, IChatClient frozen) => new(planner, frozen, frozen, frozen);
}
