using System.Text;
using AgentFlow.MLNet.Agent.Trajectories;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// A trajectory for people: module by module, each tool call and its result, long texts (the question too) cut to a
/// line. Control characters are shown as escapes (<c>\u001B</c>), so neither a question nor a model's output can
/// ring, clear or recolour the terminal; <c>--json</c> has every text exactly.
/// </summary>
internal static class TrajectoryText
{
    private const int MaxChars = 400;

    internal static string Render(Trajectory trajectory)
    {
        var text = new StringBuilder();
        text.AppendLine($"question: {Short(trajectory.Question)}");
        if (trajectory.QueryAnalysis is { } analysis)
            Module(text, "query analysis", analysis);
        foreach (var turn in trajectory.Turns)
        {
            text.AppendLine($"turn {turn.Number}");
            Module(text, "  planner", turn.Planner);
            if (turn.Step is { } step)
                text.AppendLine($"    -> tool {Short(step.ToolName)}, sub-goal: {Short(step.SubGoal)}");
            if (turn.Executor is { } executor)
                Module(text, "  executor", executor);
            if (turn.Tool is { } tool && turn.ToolArguments is { } arguments)
                text.AppendLine($"  {Short(tool)}({Short(arguments)})");
            if (turn.ToolOutput is { } output)
                text.AppendLine($"    = {Short(output)}");
            if (turn.Verifier is { } verifier)
                Module(text, "  verifier", verifier);
            if (turn.Verdict is { } verdict)
                text.AppendLine($"    -> {(verdict.Stop ? "STOP" : "CONTINUE")}");
            if (turn.Error is { } error)
                text.AppendLine($"  error: {Short(error)}");
        }
        if (trajectory.Generator is { } generator)
            Module(text, "generator", generator);
        text.AppendLine($"answer: {Short(trajectory.FinalAnswer)}");
        text.Append($"stopped: {trajectory.StopReason}, {trajectory.Turns.Count} turn(s), {trajectory.DurationMs / 1000:F1} s");
        if (trajectory.Failure is { } failure)
            text.Append($"; failure: {Short(failure)}");
        return text.AppendLine().ToString();
    }

    private static void Module(StringBuilder text, string name, ModuleCall call)
    {
        string tokens = call.CompletionTokens is long count ? $", {count} tokens" : "";
        string cut = call.PromptTokensCut is > 0 ? $", prompt cut by {call.PromptTokensCut} tokens to fit the context" : "";
        text.AppendLine($"{name} ({call.DurationMs / 1000:F1} s{tokens}{cut}): {(call.Error is { } error ? "FAILED " + Short(error) : Short(call.Output))}");
    }

    /// <summary><paramref name="text"/> on one line, whole, its control characters shown as escapes: for a message outside the trajectory's text.</summary>
    internal static string Line(string text) => Visible(Flat(text));

    private static string Flat(string text) =>
        string.Join(" | ", text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string Short(string text)
    {
        string flat = Flat(text);
        if (flat.Length > MaxChars)
        {
            // Cut before the pair, not inside it: half of a surrogate pair is no character.
            int length = char.IsHighSurrogate(flat[MaxChars - 1]) ? MaxChars - 1 : MaxChars;
            flat = flat[..length] + $"... ({flat.Length} chars)";
        }
        return Visible(flat);
    }

    /// <summary><paramref name="text"/> with every control character but the tab written as <c>\uXXXX</c>.</summary>
    internal static string Visible(string text)
    {
        if (!text.Any(c => char.IsControl(c) && c != '\t'))
            return text;
        var visible = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (char.IsControl(c) && c != '\t')
                visible.Append($"\\u{(int)c:X4}");
            else
                visible.Append(c);
        }
        return visible.ToString();
    }
}
