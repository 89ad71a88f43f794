using System.Text.Json;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// Question/answer data as an <see cref="IDataView"/> with text columns Question, Answer and Source
/// (<see cref="AgentFlowQuestion"/>). Every loader refuses an empty dataset; empty questions are kept, for the
/// trainer's and transformer's <see cref="InvalidQuestionHandling"/> to decide.
/// </summary>
public sealed class AgentFlowData
{
    private readonly MLContext _mlContext;

    internal AgentFlowData(MLContext mlContext) => _mlContext = mlContext;

    /// <summary>In-memory rows.</summary>
    /// <exception cref="ArgumentException">There are no rows.</exception>
    public IDataView LoadFromEnumerable(IEnumerable<AgentFlowQuestion> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        if (list.Count == 0)
            throw new ArgumentException("The dataset is empty: no question/answer rows.", nameof(rows));
        if (list.IndexOf(null!) is int missing and >= 0)
            throw new ArgumentException($"Row {missing} is null.", nameof(rows));
        return _mlContext.Data.LoadFromEnumerable(list);
    }

    /// <summary>
    /// A JSON Lines file, one object per line with <c>question</c> (text), <c>answer</c> (text, a number, or a list
    /// of aliases of which the first is kept) and optionally <c>source</c>; blank lines are skipped. The file must be
    /// UTF-8 (a byte-order mark is allowed): invalid bytes are refused, not replaced.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not UTF-8, a line is not such an object, or a value cannot be text (a lone UTF-16 surrogate escape
    /// such as <c>"\ud800"</c>); the message names the line and the field.
    /// </exception>
    public IDataView LoadFromJsonLines(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var rows = new List<AgentFlowQuestion>();
        int number = 0;
        // Checked in one streaming pass first, so an invalid byte is refused naming its line and byte offset; then read
        // line by line, so only the rows, never the whole file, are held.
        StrictUtf8.RequireValidFile(path);
        using var reader = new StreamReader(path, StrictUtf8.Encoding, detectEncodingFromByteOrderMarks: false);
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Trim().Length == 0)
                continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException($"'{path}' line {number} is not a JSON object.");
                rows.Add(new AgentFlowQuestion
                {
                    Question = Text(root, "question", path, number),
                    Answer = Text(root, "answer", path, number),
                    Source = root.TryGetProperty("source", out _) ? Text(root, "source", path, number) : "",
                });
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"'{path}' line {number} is not valid JSON: {e.Message}", e);
            }
        }
        if (rows.Count == 0)
            throw new InvalidDataException($"'{path}' holds no rows.");
        return _mlContext.Data.LoadFromEnumerable(rows);
    }

    /// <summary>
    /// A CSV or TSV file through ML.NET's own <see cref="TextLoader"/>: the question in the first column, the answer in
    /// the second, the source (optional) in the third. The file must be UTF-8: it is checked first, since the loader
    /// would replace invalid bytes with U+FFFD.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="separatorChar">',' for CSV (default), '\t' for TSV.</param>
    /// <param name="hasHeader">Whether the first line names the columns. Default true.</param>
    /// <exception cref="InvalidDataException">The file is not UTF-8 (the message names the line) or holds no rows.</exception>
    public IDataView LoadFromTextFile(string path, char separatorChar = ',', bool hasHeader = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{path}' does not exist.", path);
        StrictUtf8.RequireValidFile(path);
        var data = _mlContext.Data.LoadFromTextFile(path, new TextLoader.Options
        {
            Separators = [separatorChar],
            HasHeader = hasHeader,
            AllowQuoting = true,
            Columns =
            [
                new TextLoader.Column(AgentFlowColumns.Question, DataKind.String, 0),
                new TextLoader.Column(AgentFlowColumns.Answer, DataKind.String, 1),
                new TextLoader.Column(AgentFlowColumns.Source, DataKind.String, 2),
            ],
        });
        using (var cursor = data.GetRowCursor([]))
        {
            if (!cursor.MoveNext())
                throw new InvalidDataException($"'{path}' holds no rows.");
        }
        return data;
    }

    /// <summary>One of the shipped AgentFlow benchmark test sets (<see cref="BenchmarkCatalog"/>), Source = its name, Answer = its first gold answer.</summary>
    public IDataView LoadBenchmark(string name, string? directory = null)
    {
        var set = BenchmarkLoader.Load(name, directory);
        return LoadFromEnumerable(set.Items.Select(item => new AgentFlowQuestion
        {
            Question = item.Question,
            Answer = item.GoldAnswers.Count > 0 ? item.GoldAnswers[0] : "",
            Source = set.Name,
        }));
    }

    private static string Text(JsonElement root, string name, string path, int line)
    {
        if (!root.TryGetProperty(name, out var value))
            throw new InvalidDataException($"'{path}' line {line} has no \"{name}\".");
        return value.ValueKind switch
        {
            JsonValueKind.String => String(value, name, path, line),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Null => "",
            JsonValueKind.Array when value.GetArrayLength() > 0 => FirstItem(value[0], name, path, line),
            JsonValueKind.Array => throw new InvalidDataException($"'{path}' line {line}: \"{name}\" is an empty list; expected text, a number or a list of them."),
            _ => throw new InvalidDataException($"'{path}' line {line}: \"{name}\" is {value.ValueKind}; expected text, a number or a list."),
        };
    }

    private static string FirstItem(JsonElement item, string name, string path, int line) => item.ValueKind switch
    {
        JsonValueKind.String => String(item, name, path, line),
        JsonValueKind.Number => item.GetRawText(),
        _ => throw new InvalidDataException($"'{path}' line {line}: \"{name}\"'s first item is {item.ValueKind}; expected text or a number."),
    };

    private static string String(JsonElement value, string name, string path, int line)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // The one string System.Text.Json cannot read: escapes that leave a surrogate without its pair.
            throw new InvalidDataException($"'{path}' line {line}: \"{name}\" holds a lone UTF-16 surrogate escape, which is not Unicode text ({e.Message})", e);
        }
    }
}
