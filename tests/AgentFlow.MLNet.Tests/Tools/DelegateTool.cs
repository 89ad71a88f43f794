using System.Text.Json;
using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Tests.Tools;

/// <summary>A tool whose behaviour a test writes as a delegate.</summary>
internal sealed class DelegateTool(string name, Func<JsonElement, CancellationToken, ValueTask<ToolResult>> invoke) : ITool
{
    public ToolCard Card { get; } = new()
    {
        Name = name,
        Description = $"The test tool {name}.",
        InputSchema = """{"type": "object"}""",
    };

    public ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken = default) => invoke(arguments, cancellationToken);

    /// <summary>A tool that echoes its arguments' JSON text.</summary>
    public static DelegateTool Echo(string name) => new(name, (arguments, _) => ValueTask.FromResult(ToolResult.Success(arguments.GetRawText())));
}
