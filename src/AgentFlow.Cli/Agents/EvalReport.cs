using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

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

    /// <summary>Each column's header in a file, and on a terminal, where two short lines keep the table within 80 columns.</summary>
    private static readonly (string File, string Terminal)[] Headers =
    [
        ("source", "source"), ("questions", "questions"), ("correct", "correct"), ("accuracy", "accuracy"), ("mean turns", "mean\nturns"),
        ("tool errors", "tool\nerrors"), ("module failures", "module\nfailures"), ("mean s/question", "mean s/\nquestion"),
    ];

    /// <summary>
    /// One row per source and, with several, an "all" row: a Spectre.Console table with simple borders (rules under the header) on a terminal,
    /// and a Markdown table (pipes, the numbers right-aligned, no colour codes) when <paramref name="output"/> is
    /// redirected, so a file or a pipe gets text that pastes into an issue or a README as it is.
    /// </summary>
    internal void WriteTable(TextWriter output, bool terminal)
    {
        var table = new Table().Border(terminal ? TableBorder.Simple : TableBorder.Markdown);
        foreach (var (header, column) in Headers.Select((h, c) => (h, c)))
            table.AddColumn(new TableColumn(terminal ? header.Terminal : header.File)
            {
                Alignment = column == 0 ? Justify.Left : Justify.Right,
                NoWrap = true,
                Padding = terminal ? new Padding(0, 0, 1, 0) : new Padding(1, 0, 1, 0),
            });
        foreach (var source in Sources)
            table.AddRow(Cells(source, terminal));
        if (Sources.Count > 1)
            table.AddRow(Cells(new EvalSource("all", Questions, Items.Count(i => i.Correct), Accuracy, MeanTurns, ToolErrors, ModuleFailures, MeanSeconds), terminal));

        if (terminal)
        {
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) }).Write(table);
            return;
        }
        // Spectre draws a Markdown table's (absent) top and bottom borders as lines of spaces: only the table's own lines are kept.
        var text = new StringWriter();
        var plain = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        plain.Profile.Width = MarkdownWidth;
        plain.Write(table);
        foreach (string line in text.ToString().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0))
            output.WriteLine(line);

        static string[] Cells(EvalSource s, bool terminal) =>
        [
            Markup.Escape(SourceName(s.Source, terminal)), Num(s.Questions), Num(s.Correct), (s.Accuracy * 100).ToString("F1", CultureInfo.InvariantCulture) + "%",
            s.MeanTurns.ToString("F2", CultureInfo.InvariantCulture), Num(s.ToolErrors), Num(s.ModuleFailures), s.MeanSeconds.ToString("F2", CultureInfo.InvariantCulture),
        ];

        static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A source name as a cell shows it: control characters as escapes (a file's <c>source</c> column is anyone's text),
    /// and, in Markdown, <c>|</c> as <c>\|</c> so it cannot split the cell.
    /// </summary>
    internal static string SourceName(string source, bool terminal)
    {
        string visible = TrajectoryText.Visible(source);
        return terminal ? visible : visible.Replace("|", "\\|", StringComparison.Ordinal);
    }

    /// <summary>Wide enough that no source name or column is ever wrapped in a file (Spectre assumes 80 columns when redirected).</summary>
    private const int MarkdownWidth = 4096;

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
