namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// A correct, scripted executor, verifier and generator for a <see cref="MiniWorld"/>, so that the planner (the
/// trained module) is the only thing that limits accuracy. The executor writes the right arguments for whichever
/// tool the planner chose (a search for the question's entity, the question's calculation on the fact found); the
/// verifier stops once the memory holds as many steps as a right plan takes; the generator answers the last number
/// of the latest result. A wrong tool choice therefore fails the question, exactly as a bad plan would.
/// </summary>
/// <param name="world">The world whose questions this serves; questions from elsewhere fail the call.</param>
public sealed class MiniFrozenModules(MiniWorld world) : ScriptedChatClient
{
    private readonly MiniWorld _world = world ?? throw new ArgumentNullException(nameof(world));

    /// <inheritdoc />
    protected override string Reply(string prompt, long? seed)
    {
        var read = MiniPromptReader.Read(prompt);
        if (read.Module == "ANALYSE")
            return "";
        if (!_world.TryFind(read.Question, out var question))
            throw new InvalidOperationException($"'{read.Question}' is not a question of this Mini world (seed {_world.Options.Seed}).");
        return read.Module switch
        {
            "CALL" => Call(read, question),
            "CHECK" => read.StepTools.Count >= MiniFamilies.Hops(question.Family) ? "Conclusion: STOP" : "Conclusion: CONTINUE",
            "ANSWER" => $"<answer>{read.LastNumber ?? "unknown"}</answer>",
            _ => throw new InvalidOperationException($"The Mini frozen modules serve CALL, CHECK, ANSWER and ANALYSE prompts, not '{read.Module}'."),
        };
    }

    private static string Call(MiniPromptReader read, MiniQuestion question)
    {
        if (read.Tool == "search")
            return System.Text.Json.JsonSerializer.Serialize(new { query = question.Entity?.Name ?? read.SubGoal });
        // A calculation on a fact needs the fact: before any is found the call can only restate the sub-goal (and fails).
        string expression = question.Family == MiniFamilies.Math ? question.Calculation
            : read.LastNumber is { } fact && question.Calculation.Length > 0 ? string.Format(System.Globalization.CultureInfo.InvariantCulture, question.Calculation, fact)
            : read.SubGoal;
        return System.Text.Json.JsonSerializer.Serialize(new { expression });
    }
}
