namespace AgentFlow.MLNet.Tools;

/// <summary>An example call shown on a tool card: the arguments and what the tool returns for them.</summary>
/// <param name="Arguments">The call's arguments as JSON text, for example <c>{"expression": "sqrt(16) * 2"}</c>.</param>
/// <param name="Returns">What the call returns, or a description of it.</param>
public sealed record ToolDemo(string Arguments, string Returns);
