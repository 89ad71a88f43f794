using System.Text.Json;

namespace AgentFlow.MLNet.Tools;

/// <summary>
/// Something the agent can call by name: a calculator, a code runner, a search engine, a model. The executor
/// writes the call as JSON arguments matching <see cref="ToolCard.InputSchema"/>; the tool answers with a
/// <see cref="ToolResult"/>. Bad input from the model is a failed result, never an exception, because a
/// tool failure is something the agent records in memory and recovers from. Implementations must be safe
/// to call concurrently: a rollout runs many trajectories at once.
/// </summary>
public interface ITool
{
    /// <summary>What prompts show about the tool; <see cref="ToolCard.Name"/> is the name it is called by.</summary>
    ToolCard Card { get; }

    /// <summary>Runs the tool.</summary>
    /// <param name="arguments">The call's arguments, normally a JSON object matching <see cref="ToolCard.InputSchema"/>.</param>
    /// <param name="cancellationToken">Stops the call; <see cref="ToolRegistry"/> also cancels it at the tool's timeout.</param>
    /// <returns>The output, or a failure with its reason.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken = default);
}
