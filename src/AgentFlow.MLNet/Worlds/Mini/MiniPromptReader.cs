using System.Text.RegularExpressions;
using AgentFlow.MLNet.Agent.Parsing;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// Reads a rendered <see cref="MiniPrompts"/> prompt back: which module it is for, the question, the tool, and the
/// steps in memory as <c>AgentMemory</c> renders them (the scripted modules act on exactly what a model would see).
/// </summary>
internal sealed partial class MiniPromptReader
{
    private MiniPromptReader(string module, string question, string tool, string subGoal, IReadOnlyList<string> tools, IReadOnlyList<string?> results)
    {
        Module = module;
        Question = question;
        Tool = tool;
        SubGoal = subGoal;
        StepTools = tools;
        StepResults = results;
    }

    /// <summary>PLAN, CALL, CHECK, ANSWER or ANALYSE.</summary>
    internal string Module { get; }

    internal string Question { get; }

    /// <summary>The tool named on a CALL prompt's first line; empty elsewhere.</summary>
    internal string Tool { get; }

    internal string SubGoal { get; }

    /// <summary>The tool of each step in memory, oldest first.</summary>
    internal IReadOnlyList<string> StepTools { get; }

    /// <summary>The result of each step in memory (null where the step failed).</summary>
    internal IReadOnlyList<string?> StepResults { get; }

    /// <summary>The last integer in the most recent step's result, or null when it failed or holds none.</summary>
    internal string? LastNumber => StepResults.Count > 0 && StepResults[^1] is { } result && Number().Matches(result) is { Count: > 0 } numbers
        ? numbers[^1].Value
        : null;

    internal static MiniPromptReader Read(string prompt)
    {
        string[] lines = prompt.Split('\n');
        string[] head = lines[0].Split(' ', 2);
        string question = lines.Length > 1 && lines[1].StartsWith("Q: ", StringComparison.Ordinal) ? lines[1][3..] : "";
        string subGoal = lines.FirstOrDefault(l => l.StartsWith("Sub-Goal: ", StringComparison.Ordinal))?[10..] ?? "";
        var tools = new List<string>();
        var results = new List<string?>();
        // The memory is the prompt's tail (the planner's ends before its tool list); steps start with "Action Step N:".
        int tail = prompt.LastIndexOf("\nTools: ", StringComparison.Ordinal);
        string memory = tail >= 0 ? prompt[..tail] : prompt;
        var starts = StepStart().Matches(memory).Select(m => m.Index).Append(memory.Length).ToList();
        for (int i = 0; i + 1 < starts.Count; i++)
        {
            string step = memory[starts[i]..starts[i + 1]];
            tools.Add(Field(step, "  Tool: ") ?? "");
            results.Add(QuotedResult(step));
        }
        return new MiniPromptReader(head[0], question, head[0] == "CALL" && head.Length > 1 ? head[1] : "", subGoal, tools, results);
    }

    /// <summary>A step's result, which the memory renders as quoted data (<see cref="QuotedData"/>) under "  Result:".</summary>
    private static string? QuotedResult(string step)
    {
        const string marker = "\n  Result:\n";
        int at = step.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
            return null;
        const string prefix = "  " + QuotedData.LinePrefix;
        var lines = step[(at + marker.Length)..].Split('\n').TakeWhile(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l[prefix.Length..]);
        return string.Join('\n', lines).TrimEnd();
    }

    private static string? Field(string step, string label)
    {
        int at = step.IndexOf("\n" + label, StringComparison.Ordinal);
        if (at < 0)
            return null;
        int start = at + 1 + label.Length;
        int end = step.IndexOf('\n', start);
        return end < 0 ? step[start..] : step[start..end];
    }

    [GeneratedRegex(@"^Action Step \d+:$", RegexOptions.Multiline)]
    private static partial Regex StepStart();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex Number();
}
