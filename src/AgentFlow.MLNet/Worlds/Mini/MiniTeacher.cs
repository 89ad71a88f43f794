using AgentFlow.MLNet.Models.Generation;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// A scripted planner for a <see cref="MiniWorld"/> that knows the right plan and departs from it at the rates of
/// <see cref="MiniTeacherOptions"/>: its outputs are the planner demonstrations of the warm start. Each decision
/// draws from the call's seed, so a seeded run of the agent reproduces the same demonstrations.
/// </summary>
public sealed class MiniTeacher : ScriptedChatClient
{
    /// <summary>What the teacher writes before choosing the search tool.</summary>
    public const string SearchStep = "Sub-Goal: find the fact\nTool Name: search";

    /// <summary>What the teacher writes before choosing the calculator.</summary>
    public const string CalculatorStep = "Sub-Goal: calculate it\nTool Name: calculator";

    private readonly MiniWorld _world;
    private readonly MiniTeacherOptions _options;

    /// <summary>A teacher for <paramref name="world"/>'s questions.</summary>
    public MiniTeacher(MiniWorld world, MiniTeacherOptions? options = null)
    {
        _world = world ?? throw new ArgumentNullException(nameof(world));
        _options = options ?? new MiniTeacherOptions();
        _options.Validate();
    }

    /// <summary>The right step for <paramref name="question"/> after <paramref name="stepsTaken"/> steps (the first of them searches when a fact is needed).</summary>
    public static string RightStep(MiniQuestion question, int stepsTaken) =>
        question.Family == MiniFamilies.Search || (question.Family == MiniFamilies.MultiHop && stepsTaken == 0) ? SearchStep : CalculatorStep;

    /// <inheritdoc />
    protected override string Reply(string prompt, long? seed)
    {
        var read = MiniPromptReader.Read(prompt);
        if (read.Module != "PLAN" || !_world.TryFind(read.Question, out var question))
            throw new InvalidOperationException($"The Mini teacher plans questions of its world; got a {read.Module} prompt for '{read.Question}'.");
        int steps = read.StepTools.Count;
        string right = RightStep(question, steps);
        // The second hop of a multi-hop question and the first step of the others carry the phrasing's rate.
        bool decisive = question.Family != MiniFamilies.MultiHop || steps > 0;
        double rate = decisive && question.IsMisleading ? _options.MisleadingMistakeRate : _options.PlainMistakeRate;
        double draw = seed is long s ? new Random(unchecked((int)SamplingSeeds.Derive((ulong)s, 7))).NextDouble() : Random.Shared.NextDouble();
        if (draw >= rate)
            return right;
        // Wrong tool for the family; on a multi-hop second hop the mistake is searching again instead of calculating.
        return right == SearchStep ? CalculatorStep : SearchStep;
    }
}
