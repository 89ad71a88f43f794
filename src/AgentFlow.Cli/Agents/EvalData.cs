using System.Text.Json;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Rewards;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// The questions <c>eval</c> and <c>train</c> run: a shipped benchmark with its scorer, or a file of questions and
/// answers in JSONL, CSV or TSV.
/// </summary>
internal static class EvalData
{
    /// <summary>The extensions <see cref="Read"/> reads, as the usage text names them.</summary>
    internal const string Formats = ".jsonl, .csv or .tsv";

    /// <summary>A shipped benchmark by name (bamboogle, 2wiki, hotpotqa, musique, aime24, amc23, gameof24).</summary>
    internal static IReadOnlyList<BenchmarkItem> Benchmark(string name) => BenchmarkLoader.Load(BenchmarkCatalog.Get(name)).Items;

    /// <summary>A question file, read by its extension: <see cref="Jsonl"/>, or <see cref="DelimitedQuestions"/> with commas or tabs.</summary>
    /// <exception cref="InvalidDataException">The extension is none of <see cref="Formats"/>, or the file is malformed (the message names the line).</exception>
    internal static IReadOnlyList<BenchmarkItem> Read(string path, IAnswerScorer scorer) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jsonl" => Jsonl(path, scorer),
        ".csv" => DelimitedQuestions.Read(path, ',', scorer),
        ".tsv" => DelimitedQuestions.Read(path, '\t', scorer),
        _ => throw new InvalidDataException($"{path}: the question file's format is told by its extension, which must be {Formats}"),
    };

    /// <summary>
    /// One JSON object a line: <c>question</c> (required), <c>answer</c> (a string, number or list of accepted answers;
    /// required), <c>id</c> and <c>source</c> (optional; source groups the accuracy table). Blank lines are skipped.
    /// </summary>
    internal static IReadOnlyList<BenchmarkItem> Jsonl(string path, IAnswerScorer scorer)
    {
        var items = new List<BenchmarkItem>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
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
            if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty("question", out var question) || question.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{where} has no \"question\" string");
            if (!row.TryGetProperty("answer", out var answer))
                throw new InvalidDataException($"{where} has no \"answer\"");
            IReadOnlyList<string> gold = answer.ValueKind switch
            {
                JsonValueKind.String => [answer.GetString()!],
                JsonValueKind.Number => [answer.GetRawText()],
                JsonValueKind.Array when answer.EnumerateArray().All(a => a.ValueKind is JsonValueKind.String or JsonValueKind.Number) =>
                    [.. answer.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText())],
                _ => throw new InvalidDataException($"{where}: \"answer\" must be a string, a number or a list of them"),
            };
            string source = row.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : Path.GetFileNameWithoutExtension(path);
            string id = row.TryGetProperty("id", out var i) && i.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? (i.ValueKind == JsonValueKind.String ? i.GetString()! : i.GetRawText())
                : number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            items.Add(new BenchmarkItem(source, id, question.GetString()!, gold, [], scorer));
        }
        return items.Count > 0 ? items : throw new InvalidDataException($"{path} holds no questions");
    }
}
