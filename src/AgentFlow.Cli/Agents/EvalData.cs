using System.Globalization;
using System.Text.Json;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Rewards;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// The questions <c>eval</c> and <c>train</c> run: a shipped benchmark with its scorer, or a file of questions and
/// answers in JSONL, CSV or TSV. A file must be UTF-8; every row is checked before anything runs, and a bad one is
/// refused naming the file, the line and the problem.
/// </summary>
internal static class EvalData
{
    /// <summary>The extensions <see cref="Read"/> reads, as the usage text names them.</summary>
    internal const string Formats = ".jsonl, .csv or .tsv";

    /// <summary>A shipped benchmark by name (bamboogle, 2wiki, hotpotqa, musique, aime24, amc23, gameof24).</summary>
    internal static IReadOnlyList<BenchmarkItem> Benchmark(string name) => BenchmarkLoader.Load(BenchmarkCatalog.Get(name)).Items;

    /// <summary>
    /// A question file, read by its extension: <see cref="Jsonl"/>, or <see cref="DelimitedQuestions"/> with commas or
    /// tabs. Both formats then meet the same checks: a question and answers that are not empty or white space, answers
    /// <paramref name="scorer"/> can score (numbers for the numeric scorer), and each id used once. Repeated
    /// questions are kept: each row is its own item.
    /// </summary>
    /// <exception cref="InvalidDataException">The extension is none of <see cref="Formats"/>, or the file is malformed (the message names the line).</exception>
    internal static IReadOnlyList<BenchmarkItem> Read(string path, IAnswerScorer scorer)
    {
        var rows = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" => Jsonl(path, scorer),
            ".csv" => DelimitedQuestions.Read(path, ',', scorer),
            ".tsv" => DelimitedQuestions.Read(path, '\t', scorer),
            _ => throw new InvalidDataException($"{path}: the question file's format is told by its extension, which must be {Formats}"),
        };
        if (rows.Count == 0)
            throw new InvalidDataException($"{path} holds no questions");
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, item) in rows)
        {
            if (string.IsNullOrWhiteSpace(item.Question))
                throw new InvalidDataException($"{path}:{line}: the question is empty{(item.Question.Length > 0 ? " (only white space)" : "")}");
            // A blank gold answer matches nothing a model says (or, for a lenient scorer, everything): refused, not scored.
            if (item.GoldAnswers.FirstOrDefault(string.IsNullOrWhiteSpace) is { } blank)
                throw new InvalidDataException($"{path}:{line}: the answer is empty{(blank.Length > 0 ? " (only white space)" : "")}");
            if (!firstLineOfId.TryAdd(item.Id, line))
                throw new InvalidDataException($"{path}:{line}: the id '{item.Id}' is already used on line {firstLineOfId[item.Id]}");
            try
            {
                // The deterministic scorers check their gold answers first and throw if they cannot use them (a word for
                // the numeric scorer): found here, it is one error naming the line, not every answer scored wrong.
                item.ScoreAsync("").AsTask().GetAwaiter().GetResult();
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{path}:{line}: the answer is unusable: {ErrorLines.Message(e)}");
            }
        }
        return [.. rows.Select(row => row.Item)];
    }

    /// <summary>
    /// One JSON object a line: <c>question</c> (a string; required), <c>answer</c> (a string, number or non-empty list of
    /// them; required), <c>id</c> (a string or number) and <c>source</c> (a string; groups the accuracy table), both
    /// optional, null meaning absent. Blank lines are skipped. A field of another type is refused, never ignored.
    /// </summary>
    internal static List<(int Line, BenchmarkItem Item)> Jsonl(string path, IAnswerScorer scorer)
    {
        var items = new List<(int, BenchmarkItem)>();
        int number = 0;
        using var reader = new StringReader(StrictUtf8.ReadFile(path));
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            string where = $"{path}:{number}";
            JsonElement row;
            try
            {
                row = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{where} is not JSON: {e.Message}");
            }
            if (row.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{where} is not a JSON object (it is {Kind(row)})");
            if (Field(row, "question") is not { } question)
                throw new InvalidDataException($"{where} has no \"question\"");
            if (Field(row, "answer") is not { } answer)
                throw new InvalidDataException($"{where} has no \"answer\"");
            IReadOnlyList<string> gold = answer.ValueKind switch
            {
                JsonValueKind.String or JsonValueKind.Number => [Text(answer, "answer", where)],
                JsonValueKind.Array when answer.GetArrayLength() == 0 =>
                    throw new InvalidDataException($"{where}: \"answer\" is an empty list; give at least one accepted answer"),
                JsonValueKind.Array when answer.EnumerateArray().All(a => a.ValueKind is JsonValueKind.String or JsonValueKind.Number) =>
                    [.. answer.EnumerateArray().Select(a => Text(a, "answer", where))],
                _ => throw new InvalidDataException($"{where}: \"answer\" must be a string, a number or a list of them, not {Kind(answer)}"),
            };
            string text = question.ValueKind == JsonValueKind.String
                ? Text(question, "question", where)
                : throw new InvalidDataException($"{where}: \"question\" must be a string, not {Kind(question)}");
            string source = Field(row, "source") is { } s
                ? s.ValueKind == JsonValueKind.String ? Text(s, "source", where) : throw new InvalidDataException($"{where}: \"source\" must be a string, not {Kind(s)}")
                : Path.GetFileNameWithoutExtension(path);
            string id = Field(row, "id") is { } i
                ? i.ValueKind is JsonValueKind.String or JsonValueKind.Number ? Text(i, "id", where) : throw new InvalidDataException($"{where}: \"id\" must be a string or a number, not {Kind(i)}")
                : number.ToString(CultureInfo.InvariantCulture);
            items.Add((number, new BenchmarkItem(source, id, text, gold, [], scorer)));
        }
        return items;
    }

    /// <summary>A field's value; null when it is absent or JSON null.</summary>
    private static JsonElement? Field(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A string's text or a number as written.</summary>
    private static string Text(JsonElement value, string name, string where)
    {
        if (value.ValueKind == JsonValueKind.Number)
            return value.GetRawText();
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The one string System.Text.Json cannot read: escapes that leave a surrogate without its pair ("\ud800").
            throw new InvalidDataException($"{where}: \"{name}\" holds a lone UTF-16 surrogate escape such as \\ud800, which is not Unicode text");
        }
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        _ => "null",
    };
}
