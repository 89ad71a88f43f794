using System.Text;
using System.Text.Json;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Cli;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// The bad-input matrix through the real <c>agentflow</c> program on the built-in tiny model: <c>ask</c> (the question
/// as an argument or on standard input) and <c>eval</c> / <c>train</c> on JSONL and CSV files. Text is solved exactly
/// as written; what cannot be is refused with exit code 1 and one line naming the file, the line and the field.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class CliBadInputTests : IDisposable
{
    private const string Tiny = "--model tiny --max-turns 1 --max-tokens 2";
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly TempFolder _temp = new();

    public CliBadInputTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("control characters")]
    [InlineData("chat-template text")]
    public void AskReadsAnyQuestionFromStandardInputExactly(string name)
    {
        string question = BadInputTests.Solvable[name];

        // One line break at the end is how files and echo end; it is no part of the question.
        var result = AgentflowProcess.Run($"ask - {Tiny} --json", question + "\n");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(question, Trajectory.FromJson(result.Output).Question);
    }

    [Fact]
    public void AskTakesRightToLeftAndCjkArgumentsExactlyAndPrintsThemReadably()
    {
        string question = BadInputTests.Solvable["right to left"] + " " + BadInputTests.Solvable["CJK"];

        var json = AgentflowProcess.Run($"ask \"{question}\" {Tiny} --json");
        var text = AgentflowProcess.Run($"ask \"{question}\" {Tiny}");

        Assert.True(json.ExitCode == 0, json.Error);
        Assert.Equal(question, Trajectory.FromJson(json.Output).Question);
        Assert.Contains($"\"question\": \"{question}\"", json.Output);   // not \u escapes
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Equal($"question: {question}", text.Output.Split(Environment.NewLine)[0]);
    }

    [Fact]
    public void AskShowsControlCharactersAsEscapesSoTheyCannotDriveTheTerminal()
    {
        var result = AgentflowProcess.Run($"ask \"clear\u001B[2J ring\u0007 feed\f done?\" {Tiny}");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("question: clear\\u001B[2J ring\\u0007 feed\\u000C done?", result.Output.Split(Environment.NewLine)[0]);
        Assert.DoesNotContain(result.Output, c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'));
    }

    [Fact]
    public void AskSolvesAOneMegabyteQuestionFromStandardInputCuttingEachPromptAndSayingSo()
    {
        string question = BadInputTests.OneMegabyteQuestion();

        var json = AgentflowProcess.Run($"ask - {Tiny} --json", question);

        Assert.True(json.ExitCode == 0, json.Error);
        var trajectory = Trajectory.FromJson(json.Output);
        Assert.Equal(question, trajectory.Question);
        var calls = new[] { trajectory.QueryAnalysis!, trajectory.Turns[0].Planner, trajectory.Generator! };
        Assert.All(calls, call => Assert.True(call.PromptTokensCut > question.Length / 2, $"{call.Module}: {call.PromptTokensCut}"));
        Assert.All(calls, call => Assert.Equal(2048 - 2, call.PromptTokens));   // the tiny model's context less room for 2 new tokens
    }

    public static TheoryData<string, byte[], string> AskRefusals => new()
    {
        { "\"\"", [], "the question is empty" },
        { "\" \t \"", [], "the question is empty (only white space)" },
        { "-", [], "the question is empty" },
        { "-", "\n"u8.ToArray(), "the question is empty" },
        { "-", " \u3000\n"u8.ToArray(), "the question is empty (only white space)" },
        { "-", [(byte)'a', 0xED, 0xA0, 0x80, (byte)'b'], "standard input is not valid UTF-8: invalid byte sequence at byte offset 1 (0xED)" },
        { "-", [(byte)'a', 0xFF], "standard input is not valid UTF-8: invalid byte sequence at byte offset 1 (0xFF)" },
    };

    [Theory]
    [MemberData(nameof(AskRefusals))]
    public void AskRefusesWhatIsNoQuestionBeforeTheModelLoads(string question, byte[] input, string message)
    {
        var result = AgentflowProcess.Run($"ask {question} --model /no/such/model", input);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal($"agentflow: {message}{Environment.NewLine}", result.Error);
    }

    /// <summary>Question files that are refused: the file's name, its bytes, and the message after "agentflow: FILE".</summary>
    internal static readonly Dictionary<string, (string Name, byte[] Bytes, string Message)> BadFiles = new()
    {
        ["JSONL: lone surrogate escape in the question"] = Jsonl(":2: \"question\" holds a lone UTF-16 surrogate escape such as \\ud800, which is not Unicode text", """{"question": "ok", "answer": "4"}""", """{"question": "a\ud800b", "answer": "4"}"""),
        ["JSONL: lone surrogate escape in an answer"] = Jsonl(":1: \"answer\" holds a lone UTF-16 surrogate escape", """{"question": "q", "answer": ["4", "\udfff"]}"""),
        ["JSONL: lone surrogate escape in the id"] = Jsonl(":1: \"id\" holds a lone UTF-16 surrogate escape", """{"question": "q", "answer": "4", "id": "\udc00"}"""),
        ["JSONL: an encoded surrogate"] = ("q.jsonl", [.. Utf8.GetBytes("{\"question\": \"q\", \"answer\": \"4\"}\n{\"question\": \"a"), 0xED, 0xA0, 0x80, .. Utf8.GetBytes("\", \"answer\": \"4\"}\n")],
            ":2: not valid UTF-8: invalid byte sequence at byte offset 48 (0xED)"),
        ["CSV: a byte that is not UTF-8"] = ("q.csv", [.. Utf8.GetBytes("question,answer\nq,4\nq"), 0xFF, .. Utf8.GetBytes(",4\n")], ":3: not valid UTF-8: invalid byte sequence at byte offset 21 (0xFF)"),
        ["JSONL: empty question"] = Jsonl(":1: the question is empty", """{"question": "", "answer": "4"}"""),
        ["JSONL: white-space question"] = Jsonl(":1: the question is empty (only white space)", """{"question": " \t\u3000\n", "answer": "4"}"""),
        ["CSV: white-space question"] = ("q.csv", Utf8.GetBytes("question,answer\n\"\u3000 \t\",4\n"), ":2: the question is empty (only white space)"),
        ["JSONL: empty answer"] = Jsonl(":1: the answer is empty", """{"question": "q", "answer": ""}"""),
        ["JSONL: an empty answer in a list"] = Jsonl(":2: the answer is empty (only white space)", """{"question": "q", "answer": "4"}""", """{"question": "q", "answer": ["4", " "]}"""),
        ["CSV: empty answer cell"] = ("q.csv", Utf8.GetBytes("question,answer\nq,4\nq,\n"), ":3: the answer is empty"),
        ["JSONL: null question"] = Jsonl(":1 has no \"question\"", """{"question": null, "answer": "4"}"""),
        ["JSONL: a number for the question"] = Jsonl(":1: \"question\" must be a string, not a number", """{"question": 12, "answer": "4"}"""),
        ["JSONL: true for the answer"] = Jsonl(":1: \"answer\" must be a string, a number or a list of them, not true or false", """{"question": "q", "answer": true}"""),
        ["JSONL: an object for the answer"] = Jsonl(":1: \"answer\" must be a string, a number or a list of them, not an object", """{"question": "q", "answer": {"value": 4}}"""),
        ["JSONL: a list of lists for the answer"] = Jsonl(":1: \"answer\" must be a string, a number or a list of them, not a list", """{"question": "q", "answer": [["4"]]}"""),
        ["JSONL: an empty list for the answer"] = Jsonl(":1: \"answer\" is an empty list; give at least one accepted answer", """{"question": "q", "answer": []}"""),
        ["JSONL: null for the answer"] = Jsonl(":1 has no \"answer\"", """{"question": "q", "answer": null}"""),
        ["JSONL: true for the id"] = Jsonl(":1: \"id\" must be a string or a number, not true or false", """{"question": "q", "answer": "4", "id": true}"""),
        ["JSONL: a number for the source"] = Jsonl(":1: \"source\" must be a string, not a number", """{"question": "q", "answer": "4", "source": 3}"""),
        ["JSONL: a raw control character in a string"] = ("q.jsonl", Utf8.GetBytes("{\"question\": \"a\0b\", \"answer\": \"4\"}\n"), ":1 is not JSON: '0x00' is invalid within a JSON string"),
        ["JSONL: a repeated id"] = Jsonl(":3: the id 'a' is already used on line 1", """{"id": "a", "question": "q1", "answer": "1"}""", """{"id": "b", "question": "q2", "answer": "2"}""", """{"id": "a", "question": "q3", "answer": "3"}"""),
        ["CSV: a repeated id"] = ("q.csv", Utf8.GetBytes("id,question,answer\nx,q1,1\ny,q2,2\nx,q3,3\n"), ":4: the id 'x' is already used on line 2"),
    };

    public static TheoryData<string> BadFileNames => [.. BadFiles.Keys];

    [Theory]
    [MemberData(nameof(BadFileNames))]
    public void EvalRefusesABadQuestionFileNamingTheLineAndTheField(string name)
    {
        var (file, bytes, message) = BadFiles[name];
        string data = _temp.File(file);
        File.WriteAllBytes(data, bytes);

        var result = AgentflowProcess.Run($"eval --data \"{data}\" --model /no/such/model");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.StartsWith($"agentflow: {data}{message}", result.Error);
    }

    [Theory]
    [InlineData("eval --data")]
    [InlineData("train --output {run} --data")]
    [InlineData("train --output {run} --benchmark bamboogle --validation")]
    public void AnAnswerTheNumericScorerCannotReadIsRefusedBeforeAnythingRuns(string verb)
    {
        string data = _temp.File("numbers.csv");
        File.WriteAllText(data, "question,answer\n2 + 2?,4\nCapital of France?,Paris\n");

        var result = AgentflowProcess.Run($"{verb.Replace("{run}", $"\"{_temp.File("run")}\"")} \"{data}\" --scorer numeric --model /no/such/model");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"agentflow: {data}:3: the answer is unusable: The gold answer 'Paris' is not a number.{Environment.NewLine}", result.Error);
    }

    [Fact]
    public void TrainRefusesALoneSurrogateEscapeAsEvalDoes()
    {
        var (file, bytes, message) = BadFiles["JSONL: lone surrogate escape in the question"];
        string data = _temp.File(file);
        File.WriteAllBytes(data, bytes);

        var result = AgentflowProcess.Run($"train --data \"{data}\" --output \"{_temp.File("run")}\" --model /no/such/model");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"agentflow: {data}{message}", result.Error);
    }

    [Fact]
    public void EvalOnJsonlSolvesEveryRowAsWrittenRepeatedQuestionsIncluded()
    {
        string[] questions = [.. BadInputTests.Solvable.Values, "What is 2 + 2?", "What is 2 + 2?", BadInputTests.OneMegabyteQuestion()];
        string data = _temp.File("hostile.jsonl");
        // Escaped as JSON writes them: control characters as \u0000..., the rest (RTL, CJK) as themselves.
        File.WriteAllLines(data, questions.Select(q => JsonSerializer.Serialize(new { question = q, answer = "4" }, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })), Utf8);

        var (items, report) = Evaluate(data);

        Assert.Equal(questions, items.Select(i => i.Question));
        Assert.Equal(Enumerable.Range(1, questions.Length).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), items.Select(i => i.Id));
        Assert.Contains(BadInputTests.Solvable["CJK"], report);   // the report keeps CJK and right-to-left text readable
        Assert.Contains(BadInputTests.Solvable["right to left"], report);
    }

    [Fact]
    public void EvalOnCsvSolvesRawControlCharactersAndEveryOtherRowAsWritten()
    {
        string[] questions = [.. BadInputTests.Solvable.Values, "What is 2 + 2?", "What is 2 + 2?", BadInputTests.OneMegabyteQuestion()];
        string data = _temp.File("hostile.csv");
        File.WriteAllText(data, "question,answer\r\n" + string.Concat(questions.Select(q => $"\"{q.Replace("\"", "\"\"")}\",4\r\n")), Utf8);

        var (items, _) = Evaluate(data);

        Assert.Equal(questions, items.Select(i => i.Question));
        Assert.Equal(questions.Length, items.Select(i => i.Id).Distinct().Count());   // each row its own item, by its line
    }

    /// <summary>A refused JSONL file of <paramref name="lines"/> and its <paramref name="message"/>.</summary>
    private static (string Name, byte[] Bytes, string Message) Jsonl(string message, params string[] lines) => ("q.jsonl", Utf8.GetBytes(string.Join("\n", lines) + "\n"), message);

    private (List<(string Id, string Question)> Items, string Report) Evaluate(string data)
    {
        string report = _temp.File("report.json");
        var result = AgentflowProcess.Run($"eval --data \"{data}\" {Tiny} --output \"{report}\"");
        Assert.True(result.ExitCode == 0, result.Error);
        string text = File.ReadAllText(report);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(0, json.RootElement.GetProperty("module_failures").GetInt32());
        return ([.. json.RootElement.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("id").GetString()!, i.GetProperty("question").GetString()!))], text);
    }
}
