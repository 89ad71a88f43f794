namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>One planner turn to imitate: the prompt exactly as the agent rendered it, and the teacher's reply.</summary>
public sealed record PlannerDemonstration(string Prompt, string Completion);
