namespace AgentFlow.MLNet.Agent.Parsing;

/// <summary>The planner's decision for one turn.</summary>
/// <param name="Justification">Why this tool, now.</param>
/// <param name="Context">What the tool needs to know from the question and memory.</param>
/// <param name="SubGoal">What this step should achieve.</param>
/// <param name="ToolName">The tool as the planner wrote it (normalised: trimmed, snake_case).</param>
public sealed record NextStep(string Justification, string Context, string SubGoal, string ToolName);
