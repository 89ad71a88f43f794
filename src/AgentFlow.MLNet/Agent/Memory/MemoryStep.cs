namespace AgentFlow.MLNet.Agent.Memory;

/// <summary>One executed step of the agent, as the modules see it in later prompts.</summary>
/// <param name="Tool">The tool the planner chose (as normalised), or the name it gave if unknown.</param>
/// <param name="SubGoal">The planner's sub-goal for the step.</param>
/// <param name="Command">The call the executor made (tool arguments as JSON), or empty when there was none.</param>
/// <param name="Result">The tool's output; empty when it failed.</param>
/// <param name="Error">Why the step failed (unknown tool, malformed output, tool error, timeout), or null.</param>
public sealed record MemoryStep(string Tool, string SubGoal, string Command, string Result, string? Error);
