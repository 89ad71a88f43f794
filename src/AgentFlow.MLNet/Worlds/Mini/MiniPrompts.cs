using AgentFlow.MLNet.Agent.Prompts;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// The compact prompt set of AgentFlow Mini: the same placeholders, fields and parsers as
/// <see cref="AgentPrompts.Default"/> (the planner still answers <c>Sub-Goal:</c> / <c>Tool Name:</c>, the verifier
/// <c>Conclusion:</c>, the generator <c>&lt;answer&gt;</c>), in a few dozen characters each instead of a page, so a
/// byte-level model reads a planner prompt in ~150 tokens. Each prompt's first word names its module.
/// </summary>
public static class MiniPrompts
{
    /// <summary>Bumped whenever a wording below changes (a warm start made with other prompts no longer fits).</summary>
    public const string Version = "agentflow-mini/prompts@1";

    /// <summary>The prompt set.</summary>
    public static AgentPrompts Prompts { get; } = new()
    {
        Version = Version,
        QueryAnalysis = AgentPrompts.QueryAnalysisTemplate("ANALYSE\nQ: {question}\n"),
        Planner = AgentPrompts.PlannerTemplate("PLAN {turn}/{max_turns}\nQ: {question}\n{memory}\nTools: {tool_names}\n"),
        Executor = AgentPrompts.ExecutorTemplate("CALL {tool_name}\nQ: {question}\nSub-Goal: {sub_goal}\n{memory}\n"),
        Verifier = AgentPrompts.VerifierTemplate("CHECK {turn}/{max_turns}\nQ: {question}\n{memory}\n"),
        Generator = AgentPrompts.GeneratorTemplate("ANSWER\nQ: {question}\n{memory}\n"),
    };
}
