using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>Collects the warm start's planner demonstrations by running the real agent loop with the teacher as the planner.</summary>
public static class MiniDemonstrations
{
    /// <summary>
    /// Runs every question of <paramref name="questions"/> <paramref name="runsPerQuestion"/> times (seeded, so the
    /// teacher's mistakes fall where the seed puts them) and returns each planner turn. Run on the training split only.
    /// </summary>
    public static async Task<IReadOnlyList<PlannerDemonstration>> CollectAsync(
        MiniWorld world, IReadOnlyList<MiniQuestion> questions, ToolRegistry tools, MiniTeacherOptions? teacher = null,
        int runsPerQuestion = 2, int seed = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentOutOfRangeException.ThrowIfLessThan(runsPerQuestion, 1);
        var agent = new AgentFlowAgent(AgentModules.WithPlanner(new MiniTeacher(world, teacher), new MiniFrozenModules(world)), tools, MiniAgent.Options, MiniPrompts.Prompts);
        var runs = await Task.WhenAll(Enumerable.Range(0, runsPerQuestion).SelectMany(run => questions.Select((question, i) =>
            agent.SolveAsync(question.Question, (ulong)seed * 1_000_003UL + (ulong)(run * questions.Count + i), cancellationToken)))).ConfigureAwait(false);
        return [.. runs.SelectMany(trajectory => trajectory.Turns).Select(turn => new PlannerDemonstration(turn.Planner.Prompt, turn.Planner.Output))];
    }
}
