using System.Globalization;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Rewards;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// Questions from a CSV or TSV file (RFC 4180 quoting, <see cref="DelimitedRecords"/>). The header row names the
/// columns, in any order and case: <c>question</c> and <c>answer</c> (one accepted answer per row) are required,
/// <c>id</c> and <c>source</c> optional (as in JSONL: the line number and the file name by default); other columns
/// are ignored. Blank lines are skipped; the file must be UTF-8, a byte order mark accepted. <see cref="EvalData.Read"/>
/// checks the rows.
/// </summary>
internal static class DelimitedQuestions
{
    internal static List<(int Line, BenchmarkItem Item)> Read(string path, char delimiter, IAnswerScorer scorer)
    {
        using var records = DelimitedRecords.Read(StrictUtf8.ReadFile(path), delimiter, path).GetEnumerator();
        if (!records.MoveNext())
            throw new InvalidDataException($"{path} is empty: a header row naming the question and answer columns is needed");
        var (headerLine, header) = records.Current;
        // Only the columns read must be named once; the names of ignored columns (even empty or repeated) do not matter.
        var columns = header.Select((name, index) => (Name: name.Trim().ToLowerInvariant(), Index: index))
            .Where(c => c.Name is "question" or "answer" or "id" or "source")
            .GroupBy(c => c.Name)
            .ToDictionary(g => g.Key, g => g.Count() == 1 ? g.First().Index : throw new InvalidDataException($"{path}:{headerLine}: the header names the column '{g.Key}' {g.Count()} times"));
        int question = Required(columns, header, "question", path, headerLine);
        int answer = Required(columns, header, "answer", path, headerLine);
        int? id = columns.TryGetValue("id", out int i) ? i : null;
        int? source = columns.TryGetValue("source", out int s) ? s : null;
        string defaultSource = Path.GetFileNameWithoutExtension(path);

        var items = new List<(int, BenchmarkItem)>();
        while (records.MoveNext())
        {
            var (line, fields) = records.Current;
            if (fields.Length != header.Length)
                throw new InvalidDataException($"{path}:{line}: {fields.Length} fields where the header has {header.Length}");
            string itemId = id is { } idColumn && fields[idColumn].Length > 0 ? fields[idColumn] : line.ToString(CultureInfo.InvariantCulture);
            string itemSource = source is { } sourceColumn && fields[sourceColumn].Length > 0 ? fields[sourceColumn] : defaultSource;
            items.Add((line, new BenchmarkItem(itemSource, itemId, fields[question], [fields[answer]], [], scorer)));
        }
        return items;
    }

    private static int Required(Dictionary<string, int> columns, string[] header, string name, string path, int line) =>
        columns.TryGetValue(name, out int index) ? index : throw new InvalidDataException($"{path}:{line}: the header has no '{name}' column (it has: {string.Join(", ", header.Select(h => h.Trim()))})");
}
