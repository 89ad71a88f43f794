using System.Text.Json;
using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Tests.Agent;

/// <summary>A tool whose behaviour the test supplies, recording the arguments it was called with.</summary>
internal sealed class ScriptedTool(string name, Func<JsonElement, CancellationToken, Task<ToolResult>> run) : ITool
{
    public ToolCard Card { get; } = new()
    {
        Name = name,
        Description = $"The {name} test tool.",
        InputSchema = """{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}""",
    };

    internal List<string> Calls { get; } = [];

    public async ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken = default)
    {
        Calls.Add(arguments.GetRawText());
        return await run(arguments, cancellationToken);
    }

    internal static ScriptedTool Answering(string name, string output) => new(name, (_, _) => Task.FromResult(ToolResult.Success(output)));
}
