namespace AgentFlow.MLNet.Agent.Parsing;

/// <summary>
/// Parses the planner's output into a <see cref="NextStep"/>. Tolerant of decoration and order; the last
/// occurrence of a field wins; quoted data lines (<see cref="QuotedData"/>) are not read. Never throws: missing fields are reported through <see cref="TryParse"/>.
/// </summary>
public static class NextStepParser
{
    private static readonly Dictionary<string, string[]> Labels = new()
    {
        ["justification"] = ["Justification", "Reasoning", "Rationale"],
        ["context"] = ["Context"],
        ["subgoal"] = ["Sub-Goal", "Sub Goal", "Subgoal"],
        ["tool"] = ["Tool Name", "Tool", "Selected Tool"],
    };

    /// <summary>
    /// Reads the step; returns false with <paramref name="problem"/> set when the output names no tool (the one field
    /// the loop cannot do without). Other missing fields become empty strings.
    /// </summary>
    public static bool TryParse(string output, out NextStep step, out string? problem)
    {
        var fields = LabeledFields.Read(QuotedData.WithoutQuotedLines(output ?? ""), Labels);
        string tool = NormaliseToolName(fields.GetValueOrDefault("tool", ""));
        step = new NextStep(
            fields.GetValueOrDefault("justification", ""),
            fields.GetValueOrDefault("context", ""),
            fields.GetValueOrDefault("subgoal", ""),
            tool);
        problem = tool.Length == 0 ? "the planner's output has no 'Tool Name:' field" : null;
        return problem is null;
    }

    /// <summary>Tool names match case-insensitively with spaces and hyphens as underscores: "Python Coder" → "python_coder".</summary>
    public static string NormaliseToolName(string name)
    {
        string firstLine = (name ?? "").Split('\n', 2)[0];
        var chars = firstLine.Trim().Trim('`', '"', '\'', '*', '.', ',', ';', '[', ']', '(', ')').ToLowerInvariant()
            .Select(c => c is ' ' or '-' ? '_' : c);
        return new string(chars.ToArray());
    }
}
