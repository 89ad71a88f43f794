using System.Text.Json;
using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// Turns one JSON row into a <see cref="BenchmarkItem"/> by the rules of its benchmark's task, with errors
/// that name the file, the row index and the field.
/// </summary>
internal sealed class BenchmarkRowReader(BenchmarkDefinition benchmark, string path)
{
    internal BenchmarkItem Read(JsonElement row, int index)
    {
        if (row.ValueKind != JsonValueKind.Object)
            throw Error(index, $"expected a JSON object, found {row.ValueKind}");
        string id = ReadId(row, index);
        var answers = ReadAnswers(row, index);
        return benchmark.Task == BenchmarkTask.GameOf24
            ? new BenchmarkItem(benchmark.Name, id, ReadString(row, "query", index), answers, ReadNumbers(row, index), benchmark.Scorer)
            : new BenchmarkItem(benchmark.Name, id, ReadQuestion(row, index), answers, [], benchmark.Scorer);
    }

    /// <summary><c>pid</c>, a string or an integer.</summary>
    private string ReadId(JsonElement row, int index) => Required(row, "pid", index) switch
    {
        { ValueKind: JsonValueKind.String } text when text.GetString()!.Trim().Length > 0 => text.GetString()!.Trim(),
        { ValueKind: JsonValueKind.Number } number when number.TryGetInt64(out long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        var other => throw Error(index, $"'pid' must be a non-empty string or an integer, found {Describe(other)}"),
    };

    /// <summary>The text to pose: <c>query</c> when the row has it (the reference's choice), else <c>question</c>.</summary>
    private string ReadQuestion(JsonElement row, int index) =>
        ReadString(row, row.TryGetProperty("query", out _) ? "query" : "question", index);

    private string ReadString(JsonElement row, string field, int index)
    {
        var value = Required(row, field, index);
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            throw Error(index, $"'{field}' must be a non-empty string, found {Describe(value)}");
        return value.GetString()!;
    }

    /// <summary><c>answer</c>: a string, a number, or a non-empty list of them; math answers must be numbers.</summary>
    private string[] ReadAnswers(JsonElement row, int index)
    {
        var value = Required(row, "answer", index);
        string[] answers = value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Select(element => AnswerText(element, index))]
            : [AnswerText(value, index)];
        if (answers.Length == 0)
            throw Error(index, "'answer' is an empty list");
        if (benchmark.Task == BenchmarkTask.Math && answers.FirstOrDefault(a => !NumericAnswerParser.TryParse(a, out _)) is { } notNumber)
            throw Error(index, $"'answer' must be a number for a math benchmark, found '{notNumber}'");
        return answers;
    }

    private string AnswerText(JsonElement element, int index) => element.ValueKind switch
    {
        JsonValueKind.String when !string.IsNullOrWhiteSpace(element.GetString()) => element.GetString()!.Trim(),
        JsonValueKind.Number => element.GetRawText(),
        _ => throw Error(index, $"'answer' must be a non-empty string, a number, or a list of them, found {Describe(element)}"),
    };

    /// <summary>Game of 24's <c>question</c>: the puzzle's numbers, non-negative integers.</summary>
    private int[] ReadNumbers(JsonElement row, int index)
    {
        var value = Required(row, "question", index);
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
            throw Error(index, $"'question' must be the puzzle's list of numbers, found {Describe(value)}");
        return [.. value.EnumerateArray().Select(element =>
            element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int number) && number >= 0
                ? number
                : throw Error(index, $"'question' must hold non-negative integers, found {Describe(element)}"))];
    }

    private JsonElement Required(JsonElement row, string field, int index) =>
        row.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw Error(index, $"missing '{field}'");

    private InvalidDataException Error(int index, string message) =>
        new($"{path}, row {index} of benchmark '{benchmark.Name}': {message}.");

    private static string Describe(JsonElement value)
    {
        string text = value.GetRawText();
        return text.Length <= 40 ? $"{value.ValueKind} {text}" : $"{value.ValueKind} {text[..40]}…";
    }
}
