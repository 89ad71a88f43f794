using System.Text;
using System.Text.Json;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Cli;

/// <summary>
/// The question files <c>eval --data</c> and <c>train --data/--validation</c> read, run through the real program: JSONL,
/// CSV and TSV by extension, with RFC 4180 quoting, and errors that name the file, the line and the problem.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class QuestionFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public QuestionFileTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ACsvFileWithQuotedFieldsIsReadAsWritten()
    {
        // A BOM, a header in other case and order with an extra column, a quoted comma, a quoted line break, doubled
        // quotes, a blank line, and a row without id or source (which take the line number and the file name).
        string data = _temp.File("quiz.csv");
        File.WriteAllText(data,
            "Source,ANSWER,Question,note,Id,,note\r\n" +
            "geo,Paris,\"Capital of France, please?\",x,q1,,\r\n" +
            "\r\n" +
            "math,4,\"What is\n2 + 2?\",,q2,,\r\n" +
            ",\"say \"\"hi\"\"\",\"Quote \"\"hi\"\" back.\",,,,\r\n" +
            "  \t\r\n" +
            "poem,rose,\"First line.\r\n\r\nAfter a blank line, name a flower.\",,,,\r\n",
            new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var items = Evaluate(data);

        Assert.Equal(
            [
                ("geo", "q1", "Capital of France, please?", "Paris"),
                ("math", "q2", "What is\n2 + 2?", "4"),
                ("quiz", "6", "Quote \"hi\" back.", "say \"hi\""),
                // A blank line inside quotes is kept; the id is the line the record starts on, after the blank line before it.
                ("poem", "8", "First line.\r\n\r\nAfter a blank line, name a flower.", "rose"),
            ],
            items);
    }

    [Fact]
    public void ATsvFileIsSplitAtTabsOnly()
    {
        string data = _temp.File("pairs.tsv");
        File.WriteAllLines(data, ["question\tanswer", "Name a city, any city.\tRome", "\"Tab\there?\"\tyes"]);

        var items = Evaluate(data);

        Assert.Equal([("pairs", "2", "Name a city, any city.", "Rome"), ("pairs", "3", "Tab\there?", "yes")], items);
    }

    [Theory]
    [InlineData("questions.csv", "question,reply\nWhat?,x\n", "questions.csv:1: the header has no 'answer' column (it has: question, reply)")]
    [InlineData("questions.csv", "question,answer\nWhat?,x\nWhy?,y,z\n", "questions.csv:3: 3 fields where the header has 2")]
    [InlineData("questions.csv", "question,answer\nWhat?,x\n\nWhy?,y,z\n", "questions.csv:4: 3 fields where the header has 2")]
    [InlineData("questions.csv", "question,answer\nWhat?,x\n\"Why?,y\n", "questions.csv:3: a quoted field opened on this line is never closed")]
    [InlineData("questions.csv", "question,answer\n\"Why\"?,y\n", "questions.csv:2: text follows a closing quote")]
    [InlineData("questions.csv", "question,answer\n  ,x\n", "questions.csv:2: the question is empty")]
    [InlineData("questions.csv", "question,answer,Answer\nWhat?,x,y\n", "questions.csv:1: the header names the column 'answer' 2 times")]
    [InlineData("questions.csv", "question,answer\n", "questions.csv holds no questions")]
    [InlineData("questions.txt", "question,answer\nWhat?,x\n", "questions.txt: the question file's format is told by its extension, which must be .jsonl, .csv or .tsv")]
    public void AMalformedFileIsRefusedNamingTheLineAndTheProblem(string name, string text, string message)
    {
        string data = _temp.File(name);
        File.WriteAllText(data, text);

        foreach (string verb in (string[])[$"eval --data \"{data}\" --max-tokens 2", $"train --data \"{data}\" --output \"{_temp.File("run")}\"", $"train --benchmark bamboogle --validation \"{data}\" --output \"{_temp.File("run")}\""])
        {
            var result = AgentflowProcess.Run($"{verb} --model tiny --max-turns 1");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains(message, result.Error);
        }
    }

    /// <summary>Runs <c>eval</c> on <paramref name="data"/> and returns each item's source, id, question and gold answer from its report.</summary>
    private List<(string Source, string Id, string Question, string Gold)> Evaluate(string data)
    {
        string report = _temp.File("report.json");
        var result = AgentflowProcess.Run($"eval --data \"{data}\" --model tiny --max-turns 1 --max-tokens 2 --output \"{report}\"");
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        return [.. json.RootElement.GetProperty("items").EnumerateArray().Select(item => (
            item.GetProperty("source").GetString()!,
            item.GetProperty("id").GetString()!,
            item.GetProperty("question").GetString()!,
            Assert.Single(item.GetProperty("gold").EnumerateArray()).GetString()!))];
    }
}
