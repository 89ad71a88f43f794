using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFlow.Cli.Agents;

/// <summary>One question's outcome in an evaluation.</summary>
internal sealed record EvalItem(string Source, string Id, string Question, IReadOnlyList<string> Gold, string Answer, bool Correct,
    int Turns, int ToolErrors, bool ModuleFailure, string? Failure, double Seconds);

/// <summary>Accuracy of one source (benchmark, or a JSONL file's <c>source</c> column).</summary>
internal sealed record EvalSource(string Source, int Questions, int Correct, double Accuracy, double MeanTurns, int ToolErrors, int ModuleFailures, double MeanSeconds);

/// <summary>What <c>agentflow eval</c> prints as a table and writes as JSON.</summary>
internal sealed record EvalReport(string Model, string Data, int Questions, double Accuracy, double MeanTurns, int ToolErrors, int ModuleFailures,
    double MeanSeconds, double TotalSeconds, IReadOnlyList<EvalSource> Sources, IReadOnlyList<EvalItem> Items)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        // Questions and answers in any script stay readable, not \uXXXX; control characters are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    internal static EvalReport Create(string model, string data, IReadOnlyList<EvalItem> items, double totalSeconds)
    {
        var sources = items.GroupBy(i => i.Source).Select(g => Summarise(g.Key, [.. g])).ToList();
        var all = Summarise("all", items);
        return new EvalReport(model, data, items.Count, all.Accuracy, all.MeanTurns, all.ToolErrors, all.ModuleFailures, all.MeanSeconds, totalSeconds, sources, items);
    }

    internal string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>One line per source and a total line, aligned.</summary>
    internal string ToTable()
    {
        var rows = new List<string[]> { new[] { "source", "questions", "correct", "accuracy", "mean turns", "tool errors", "module failures", "mean s/question" } };
        foreach (var source in Sources)
            rows.Add(Row(source));
        if (Sources.Count > 1)
            rows.Add(Row(new EvalSource("all", Questions, Items.Count(i => i.Correct), Accuracy, MeanTurns, ToolErrors, ModuleFailures, MeanSeconds)));
        int[] widths = [.. Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length))];
        var text = new StringBuilder();
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        return text.ToString();

        static string[] Row(EvalSource s) =>
        [
            s.Source, Num(s.Questions), Num(s.Correct), (s.Accuracy * 100).ToString("F1", CultureInfo.InvariantCulture) + "%",
            s.MeanTurns.ToString("F2", CultureInfo.InvariantCulture), Num(s.ToolErrors), Num(s.ModuleFailures), s.MeanSeconds.ToString("F2", CultureInfo.InvariantCulture),
        ];

        static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
    }

    private static EvalSource Summarise(string source, IReadOnlyList<EvalItem> items) => new(
        source,
        items.Count,
        items.Count(i => i.Correct),
        items.Count == 0 ? 0 : (double)items.Count(i => i.Correct) / items.Count,
        items.Count == 0 ? 0 : items.Average(i => i.Turns),
        items.Sum(i => i.ToolErrors),
        items.Count(i => i.ModuleFailure),
        items.Count == 0 ? 0 : items.Average(i => i.Seconds));
}
