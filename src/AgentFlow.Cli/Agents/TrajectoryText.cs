using System.Text;
using AgentFlow.MLNet.Agent.Trajectories;

namespace AgentFlow.Cli.Agents;

/// <summary>A trajectory for people: module by module, each tool call and its result, long texts cut to a few lines.</summary>
internal static class TrajectoryText
{
    private const int MaxChars = 400;

    internal static string Render(Trajectory trajectory)
    {
        var text = new StringBuilder();
        text.AppendLine($"question: {trajectory.Question}");
        if (trajectory.QueryAnalysis is { } analysis)
            Module(text, "query analysis", analysis);
        foreach (var turn in trajectory.Turns)
        {
            text.AppendLine($"turn {turn.Number}");
            Module(text, "  planner", turn.Planner);
            if (turn.Step is { } step)
                text.AppendLine($"    -> tool {step.ToolName}, sub-goal: {Short(step.SubGoal)}");
            if (turn.Executor is { } executor)
                Module(text, "  executor", executor);
            if (turn.Tool is { } tool && turn.ToolArguments is { } arguments)
                text.AppendLine($"  {tool}({Short(arguments)})");
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
        text.AppendLine($"answer: {trajectory.FinalAnswer}");
        text.Append($"stopped: {trajectory.StopReason}, {trajectory.Turns.Count} turn(s), {trajectory.DurationMs / 1000:F1} s");
        if (trajectory.Failure is { } failure)
            text.Append($"; failure: {failure}");
        return text.AppendLine().ToString();
    }

    private static void Module(StringBuilder text, string name, ModuleCall call)
    {
        string tokens = call.CompletionTokens is long count ? $", {count} tokens" : "";
        text.AppendLine($"{name} ({call.DurationMs / 1000:F1} s{tokens}): {(call.Error is { } error ? "FAILED " + error : Short(call.Output))}");
    }

    private static string Short(string text)
    {
        string flat = string.Join(" | ", text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return flat.Length <= MaxChars ? flat : flat[..MaxChars] + $"... ({flat.Length} chars)";
    }
}
