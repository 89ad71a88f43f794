using System.Text;
using AgentFlow.MLNet.Agent.Parsing;
using AgentFlow.MLNet.Text;

namespace AgentFlow.MLNet.Agent.Memory;

/// <summary>
/// The evolving memory the four modules share: the question's analysis and the ordered steps taken. Rendered into
/// prompts within a token budget: tool results are quoted data (<see cref="QuotedData"/>), long ones cut with a marker, and when the whole still does not fit,
/// the oldest steps lose their details first, then are summarised as a count. It never silently overflows.
/// </summary>
public sealed class AgentMemory
{
    private readonly List<MemoryStep> _steps = [];

    /// <summary>The query analysis written before the first turn, or empty.</summary>
    public string QueryAnalysis { get; set; } = "";

    /// <summary>Steps in the order they ran.</summary>
    public IReadOnlyList<MemoryStep> Steps => _steps;

    /// <summary>Records a step.</summary>
    public void Append(MemoryStep step) => _steps.Add(step ?? throw new ArgumentNullException(nameof(step)));

    /// <summary>
    /// Renders the steps for a prompt in at most <paramref name="tokenBudget"/> tokens as counted by
    /// <paramref name="countTokens"/>; each result is first cut to <paramref name="maxResultTokens"/>.
    /// </summary>
    public string Render(int tokenBudget, int maxResultTokens, Func<string, int> countTokens)
    {
        ArgumentNullException.ThrowIfNull(countTokens);
        if (_steps.Count == 0)
            return "No steps have been taken yet.";

        var full = _steps.Select((step, i) => Detailed(i + 1, step, maxResultTokens, countTokens)).ToList();
        // Replace the oldest steps by one-line summaries until the memory fits; then drop summaries, oldest first.
        int summarised = 0;
        while (countTokens(Join(full, 0)) > tokenBudget && summarised < _steps.Count - 1)
        {
            full[summarised] = Summary(summarised + 1, _steps[summarised]);
            summarised++;
        }
        int dropped = 0;
        while (countTokens(Join(full, dropped)) > tokenBudget && dropped < full.Count - 1)
            dropped++;
        string rendered = Join(full, dropped);
        return countTokens(rendered) <= tokenBudget ? rendered : Cut(rendered, tokenBudget, countTokens);
    }

    private static string Join(List<string> parts, int dropped)
    {
        var text = new StringBuilder();
        if (dropped > 0)
            text.Append($"({dropped} earlier step(s) omitted to fit the context.)\n\n");
        text.AppendJoin("\n\n", parts.Skip(dropped));
        return text.ToString();
    }

    private static string Detailed(int number, MemoryStep step, int maxResultTokens, Func<string, int> countTokens)
    {
        var text = new StringBuilder()
            .Append($"Action Step {number}:\n")
            .Append($"  Tool: {step.Tool}\n")
            .Append($"  Sub-goal: {step.SubGoal}\n")
            .Append($"  Command: {(step.Command.Length > 0 ? step.Command : "(none)")}\n");
        // What the tool returned is data, never instructions: quoted line by line (see QuotedData).
        if (step.Error is not null)
            text.Append("  Error:\n").Append(QuotedData.Quote(step.Error, "  "));
        else
            text.Append("  Result:\n").Append(QuotedData.Quote(Cut(step.Result, maxResultTokens, countTokens), "  "));
        return text.ToString();
    }

    private static string Summary(int number, MemoryStep step) =>
        $"Action Step {number}: {step.Tool} — {step.SubGoal} ({(step.Error is null ? "succeeded" : "failed")}; details elided)";

    /// <summary>
    /// Keeps the longest prefix that fits <paramref name="budget"/> tokens and says how much was cut; a surrogate pair is
    /// never split. The result never exceeds the budget: where even the marker alone does not fit, the prefix is kept
    /// without it.
    /// </summary>
    internal static string Cut(string text, int budget, Func<string, int> countTokens)
    {
        if (countTokens(text) <= budget)
            return text;
        // The marker counts the characters actually removed, which is one more than text.Length - length where the
        // prefix backs off a surrogate pair; probing with that same marker keeps the search and the result in step.
        string WithMarker(int length)
        {
            string kept = Utf16Text.Prefix(text, length);
            return kept + Marker(text.Length - kept.Length);
        }
        if (countTokens(WithMarker(0)) <= budget)
            return WithMarker(LongestFitting(length => countTokens(WithMarker(length)) <= budget));
        return Utf16Text.Prefix(text, LongestFitting(length => countTokens(Utf16Text.Prefix(text, length)) <= budget));

        // Binary search on characters: token counts grow monotonically with prefix length, and length 0 fits.
        int LongestFitting(Func<int, bool> fits)
        {
            int low = 0, high = text.Length;
            while (low < high)
            {
                int mid = (low + high + 1) / 2;
                if (fits(mid))
                    low = mid;
                else
                    high = mid - 1;
            }
            return low;
        }
    }

    private static string Marker(int removed) => $" …[truncated {removed} characters]";
}
