using System.Text.Json;
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tests.Agent.Backends;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Tools.Generation;
using AgentFlow.MLNet.Tools.Python;
using AgentFlow.MLNet.Tools.Search;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Cli;

/// <summary>
/// <c>ask</c>, <c>eval</c> and <c>index</c> as the real program, on the built-in tiny model: what they print and write
/// must be what the library gives in-process for the same settings.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class AgentVerbTests : IDisposable
{
    private const string Question = "When was Citibank founded?";
    private readonly TempFolder _temp = new();

    public AgentVerbTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AskJsonIsTheTrajectoryTheLibraryProducesForTheSameSettings()
    {
        var result = AgentflowProcess.Run($"ask \"{Question}\" --model tiny --max-turns 1 --max-tokens 12 --seed 5 --json");

        Assert.True(result.ExitCode == 0, result.Error);
        var printed = Trajectory.FromJson(result.Output);
        var expected = await SolveInProcessAsync(maxTurns: 1, maxTokens: 12, seed: 5);
        Assert.Equal(expected.Turns.Count, printed.Turns.Count);
        Assert.Equal(expected.QueryAnalysis!.Prompt, printed.QueryAnalysis!.Prompt);
        Assert.Equal(expected.Turns[0].Planner.Output, printed.Turns[0].Planner.Output);
        Assert.Equal(expected.Turns[0].Planner.Sequence!.CompletionIds, printed.Turns[0].Planner.Sequence!.CompletionIds);
        Assert.Equal(expected.Generator!.Output, printed.Generator!.Output);
        Assert.Equal(expected.StopReason, printed.StopReason);
    }

    [Fact]
    public void AskPrintsTheTrajectoryModuleByModule()
    {
        var result = AgentflowProcess.Run($"ask \"{Question}\" --model tiny --max-turns 1 --max-tokens 4");

        Assert.True(result.ExitCode == 0, result.Error);
        string[] lines = result.Output.Split(Environment.NewLine);
        Assert.Equal($"question: {Question}", lines[0]);
        Assert.StartsWith("query analysis (", lines[1]);
        Assert.Contains("turn 1", lines);
        Assert.Contains(lines, line => line.StartsWith("  planner (", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("generator (", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("answer: ", StringComparison.Ordinal));
    }

    [Fact]
    public void AskWithItsFrozenModulesOnAnEndpointThatIsDownRecordsTheFailureAndExits1()
    {
        int port = ScriptedHttpServer.FreePort();

        var result = AgentflowProcess.Run($"ask \"{Question}\" --model tiny --max-tokens 4 --frozen-endpoint http://127.0.0.1:{port}/v1 --frozen-model m --endpoint-retries 0");

        string failure = $"query_analysis call failed: the endpoint http://127.0.0.1:{port}/v1 (model m) is unreachable after 1 attempt: ";
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"query analysis (", result.Output);
        Assert.Contains($"FAILED {failure}", result.Output);
        Assert.StartsWith($"agentflow: warning: a module failed: {failure}", result.Error);
    }

    [Fact]
    public void AskShowsControlCharactersInAModuleFailureAsEscapesOnBothStreams()
    {
        int port = ScriptedHttpServer.FreePort();

        // The model name is echoed in the failure, so an escape sequence in it reaches both the trajectory and the warning.
        var result = AgentflowProcess.Run($"ask \"{Question}\" --model tiny --max-tokens 4 --frozen-endpoint http://127.0.0.1:{port}/v1 --frozen-model \"m\u001B[2J\" --endpoint-retries 0");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("(model m\\u001B[2J)", result.Output);
        Assert.StartsWith("agentflow: warning: a module failed: query_analysis call failed: ", result.Error);
        Assert.Contains("(model m\\u001B[2J)", result.Error);
        Assert.DoesNotContain('\u001B', result.Output + result.Error);
    }

    [Theory]
    [InlineData("--frozen-endpoint localhost:8000", "--frozen-endpoint must be an http or https URL such as http://127.0.0.1:8000/v1, got 'localhost:8000'")]
    [InlineData("--frozen-endpoint http://h/v1", "the endpoint http://h/v1 needs a model name: --frozen-model")]
    [InlineData("--frozen-model m", "--frozen-model needs --frozen-endpoint")]
    [InlineData("--module-endpoint planner=http://h/v1", "--module-endpoint must be MODULE=VALUE with MODULE one of query-analysis, executor, verifier, generator, judge, base-generator, got 'planner=http://h/v1'")]
    [InlineData("--module-model judge=j", "--module-model judge=... needs an endpoint: --module-endpoint judge=URL or --frozen-endpoint")]
    public void ABadBackendFlagIsAUsageError(string flags, string message)
    {
        var result = AgentflowProcess.Run($"ask \"{Question}\" --model tiny {flags}");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal($"agentflow: {message} (see 'agentflow ask --help'){Environment.NewLine}", result.Error);
    }

    [Fact]
    public async Task EvalOnASharedBenchmarkScoresTheFirstNQuestionsWithItsScorer()
    {
        string report = _temp.File("report.json");

        var result = AgentflowProcess.Run($"eval --benchmark bamboogle --limit 2 --model tiny --max-turns 1 --max-tokens 4 --output \"{report}\"");

        Assert.True(result.ExitCode == 0, result.Error);
        var items = BenchmarkLoader.Load(BenchmarkCatalog.Bamboogle).Items.Take(2).ToList();
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("questions").GetInt32());
        var written = root.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(items.Select(i => i.Id), written.Select(w => w.GetProperty("id").GetString()));
        Assert.Equal(items.Select(i => i.Question), written.Select(w => w.GetProperty("question").GetString()));
        foreach (var (item, outcome) in items.Zip(written))
            Assert.Equal((await item.ScoreAsync(outcome.GetProperty("answer").GetString()!)).Score >= 1, outcome.GetProperty("correct").GetBoolean());
        // Redirected, the table is Markdown: one header, the alignment row, one row per source.
        string[] table = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("| source    | questions | correct | accuracy | mean turns | tool errors | module failures | mean s/question |", table[0]);
        Assert.Equal("| :-------- | --------: | ------: | -------: | ---------: | ----------: | --------------: | --------------: |", table[1]);
        Assert.StartsWith("| bamboogle |         2 |", table[2]);
        Assert.Equal(3, table.Length);
    }

    [Fact]
    public async Task EvalOnJsonlGroupsBySourceAndCountsAnAnswerTheScorerAccepts()
    {
        // The untrained tiny model answers with white space only; the generator answers from a server, always 4.
        using var generator = new ScriptedHttpServer(_ => new ScriptedHttpServer.Reply(200, ScriptedHttpServer.Completion("<answer>4</answer>")));
        string data = _temp.File("questions.jsonl");
        File.WriteAllLines(data,
        [
            """{"id": "a", "question": "What is 2 + 3?", "answer": "5", "source": "sums|\u001B[31m"}""",
            "",
            """{"id": "b", "question": "What is 2 + 2?", "answer": ["4", "four"], "source": "math"}""",
        ]);
        string report = _temp.File("report.json");

        var result = AgentflowProcess.Run($"eval --data \"{data}\" --module-endpoint generator={generator.Endpoint} --module-model generator=g " +
            $"--model tiny --max-turns 1 --max-tokens 4 --output \"{report}\"");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var sources = json.RootElement.GetProperty("sources").EnumerateArray().ToDictionary(s => s.GetProperty("source").GetString()!);
        Assert.Equal(["sums|\u001B[31m", "math"], sources.Keys);
        Assert.Equal(0, sources["sums|\u001B[31m"].GetProperty("correct").GetInt32());
        Assert.Equal(1, sources["math"].GetProperty("correct").GetInt32());
        var scorer = new ExactMatchScorer();
        foreach (var item in json.RootElement.GetProperty("items").EnumerateArray())
        {
            var gold = item.GetProperty("gold").EnumerateArray().Select(g => g.GetString()!).ToList();
            var score = await scorer.ScoreAsync(new ScoringRequest(item.GetProperty("answer").GetString()!, gold));
            Assert.Equal(score.Score >= 1, item.GetProperty("correct").GetBoolean());
        }
        // Redirected, the table is Markdown: a source's | cannot split its cell, nor its escape sequence recolour anything.
        Assert.Contains("| sums\\|\\u001B[31m |", result.Output);
        Assert.DoesNotContain('\u001B', result.Output + result.Error);
        Assert.Contains("| all ", result.Output);
    }

    [Fact]
    public void EvalWithTheJudgeScorerAsksTheJudgeModuleOnItsOwnEndpoint()
    {
        // The tiny model answers nothing, and an empty answer is never sent to a judge: the generator answers from a server too.
        using var generator = new ScriptedHttpServer(_ => new ScriptedHttpServer.Reply(200, ScriptedHttpServer.Completion("<answer>4</answer>")));
        using var judge = new ScriptedHttpServer(_ => new ScriptedHttpServer.Reply(200, ScriptedHttpServer.Completion("Analysis: fine. Verdict: true")));
        string data = _temp.File("questions.jsonl");
        File.WriteAllLines(data, ["""{"question": "What is 2 + 2?", "answer": "4"}""", """{"question": "Capital of France?", "answer": "Paris"}"""]);
        string report = _temp.File("report.json");

        var result = AgentflowProcess.Run($"eval --data \"{data}\" --scorer judge --module-endpoint judge={judge.Endpoint} --module-model judge=judge-model " +
            $"--module-endpoint generator={generator.Endpoint} --module-model generator=g " +
            $"--model tiny --max-turns 1 --max-tokens 4 --output \"{report}\"");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(1.0, json.RootElement.GetProperty("accuracy").GetDouble());
        Assert.Equal(2, judge.Requests.Count);       // one verdict per question; the other modules stayed away from it
        Assert.Equal(2, generator.Requests.Count);
        Assert.All(judge.Requests, r => Assert.Contains("\"model\":\"judge-model\"", r.Body));
    }

    [Fact]
    public void EvalWithAJudgeThatIsDownRecordsEachItemAsAModuleFailure()
    {
        using var generator = new ScriptedHttpServer(_ => new ScriptedHttpServer.Reply(200, ScriptedHttpServer.Completion("<answer>4</answer>")));
        int down = ScriptedHttpServer.FreePort();
        string data = _temp.File("questions.jsonl");
        File.WriteAllLines(data, ["""{"question": "What is 2 + 2?", "answer": "4"}"""]);
        string report = _temp.File("report.json");

        var result = AgentflowProcess.Run($"eval --data \"{data}\" --scorer judge --module-endpoint judge=http://127.0.0.1:{down}/v1 --module-model judge=j " +
            $"--module-endpoint generator={generator.Endpoint} --module-model generator=g --endpoint-retries 0 --model tiny --max-turns 1 --max-tokens 4 --output \"{report}\"");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(1, json.RootElement.GetProperty("module_failures").GetInt32());
        var item = Assert.Single(json.RootElement.GetProperty("items").EnumerateArray());
        Assert.False(item.GetProperty("correct").GetBoolean());
        Assert.StartsWith($"judge call failed: the endpoint http://127.0.0.1:{down}/v1 (model j) is unreachable after 1 attempt", item.GetProperty("failure").GetString());
    }

    [Fact]
    public void AKeyVariableThatIsNotSetFailsBeforeTheModelLoads()
    {
        var result = AgentflowProcess.Run($"ask \"{Question}\" --model /no/such/model --frozen-endpoint http://127.0.0.1:1/v1 --frozen-model m --api-key-env AGENTFLOW_TEST_KEY_NEVER_SET");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"agentflow: the API key variable AGENTFLOW_TEST_KEY_NEVER_SET is not set (it names the environment variable that holds the key){Environment.NewLine}", result.Error);
    }

    [Fact]
    public void CtrlCDuringEvalEndsWithOneLineAndExitCode130()
    {
        // Signalled after the first question is scored, with 124 still to go one at a time.
        var result = AgentflowProcess.RunInterrupted("eval --benchmark bamboogle --model tiny --max-turns 1 --max-tokens 4 --parallel 1", "[1/");

        Assert.Equal(130, result.ExitCode);
        Assert.EndsWith($"{Environment.NewLine}agentflow: cancelled{Environment.NewLine}", result.Error);
        Assert.DoesNotContain("   at ", result.Error);   // no stack trace
        Assert.Empty(result.Output);                      // no table of a run cut short
    }

    [Theory]
    [InlineData("eval --model tiny", "give exactly one of --benchmark NAME and --data FILE (.jsonl, .csv or .tsv)")]
    [InlineData("eval --model tiny --benchmark bamboogle --limit 0", "--limit must be a positive whole number, got 0")]
    [InlineData("eval --model tiny --benchmark aime24 --scorer exact", "--scorer applies to --data only: a --benchmark is scored by its own scorer")]
    public void EvalUsageErrorsNameTheProblem(string arguments, string message)
    {
        var result = AgentflowProcess.Run(arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"agentflow: {message} (see 'agentflow eval --help'){Environment.NewLine}", result.Error);
    }

    [Fact]
    public void EvalOnAnUnknownBenchmarkNamesTheKnownOnes()
    {
        var result = AgentflowProcess.Run("eval --model tiny --benchmark nope");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"agentflow: Unknown benchmark 'nope'; known: bamboogle, 2wiki, hotpotqa, musique, aime24, amc23, gameof24.{Environment.NewLine}", result.Error);
    }

    [Fact]
    public void IndexBuildsAnIndexTheSearchToolFinds()
    {
        string corpus = Path.Combine(_temp.Path, "corpus");
        Directory.CreateDirectory(corpus);
        File.WriteAllText(Path.Combine(corpus, "citibank.md"), "# Citibank\nCitibank was founded in 1812 as the City Bank of New York.\n");
        File.WriteAllText(Path.Combine(corpus, "game.txt"), "Game of 24: combine four numbers with + - * / to make 24.\n");
        string index = Path.Combine(_temp.Path, "index");

        var result = AgentflowProcess.Run($"index --input \"{corpus}\" --output \"{index}\"");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.StartsWith($"indexed 2 documents as 2 passages into {index}", result.Output);
        using var opened = LuceneSearchIndex.Open(index);
        Assert.Equal("Citibank", opened.Search("When was the City Bank of New York founded?", 1).Single().Title);
    }

    /// <summary>What <c>ask</c> builds: the tiny model on one host, planner with adapters, frozen without, the same tools and options.</summary>
    private static async Task<Trajectory> SolveInProcessAsync(int maxTurns, int maxTokens, ulong seed)
    {
        using var model = TinyModel.Create(new TinyModelOptions { Seed = 1 });
        using var host = new ModelHost(model);
        using var planner = host.AsChatClient();
        using var frozen = host.AsChatClient(new LocalChatClientOptions { UseAdapters = false });
        var options = new AgentOptions
        {
            MaxTurns = maxTurns,
            PlannerChatOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = maxTokens },
            FrozenChatOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = maxTokens },
        };
        var tools = new ToolRegistry([new CalculatorTool(), new PythonTool(), new BaseGeneratorTool(frozen, new ChatOptions { Temperature = 0, MaxOutputTokens = maxTokens })]);
        return await new AgentFlowAgent(AgentModules.WithPlanner(planner, frozen), tools, options).SolveAsync(Question, seed);
    }
}
