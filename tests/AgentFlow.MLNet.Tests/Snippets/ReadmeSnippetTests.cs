using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Snippets;

/// <summary>
/// Every C# block of the README is compiled code: it is the quoted part of a file in samples/Snippets (which the
/// build compiles, refusing unneeded usings), and each snippet runs to the end on the tiny model.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ReadmeSnippetTests : IDisposable
{
    private readonly TempFolder _work = new();

    public ReadmeSnippetTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void EveryCSharpBlockOfTheReadmeIsTheQuotedPartOfASnippetFile()
    {
        var blocks = ReadmeSnippets.Blocks();

        Assert.NotEmpty(blocks);
        foreach (var (file, code, line) in blocks)
        {
            Assert.True(file is not null, $"README.md line {line}: announce the block with <!-- snippet: samples/Snippets/File.cs --> on the line before it.");
            Assert.Equal(ReadmeSnippets.Quoted(file!), code);
        }
        Assert.Equal(ReadmeSnippets.SnippetFiles(), blocks.Select(b => b.File!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ThePointAtACheckpointSnippetLoadsAFolderAndAGgufFile()
    {
        using (var tiny = TinyModel.Create())
        {
            CausalLMCheckpoint.Save(tiny, _work.File("folder"));
            CausalLMCheckpoint.SaveGguf(tiny, _work.File("tiny.gguf"));
        }

        foreach (string model in (string[])["folder", "tiny.gguf"])
        {
            var run = Run("checkpoint", model);
            Assert.StartsWith("qwen2: 0.4M parameters", run.Output);
        }
    }

    [Fact]
    public void TheTinyModelSnippetSavesAFolderAndAGgufFile()
    {
        Run("tiny-model");

        Assert.True(File.Exists(_work.File(Path.Combine("tiny-model", "tokenizer.json"))));
        Assert.True(File.Exists(_work.File("tiny-model.gguf")));
    }

    [Fact]
    public void TheSavingSnippetWritesAnAdapterAMergedFolderAndAQ8File()
    {
        Run("saving");

        Assert.True(File.Exists(_work.File(Path.Combine("adapter", "adapter_config.json"))));
        Assert.Contains("\"torch_dtype\": \"bfloat16\"", File.ReadAllText(_work.File(Path.Combine("merged", "config.json"))));
        using var merged = LocalModel.Load(_work.File("merged-q8_0.gguf"));
        Assert.Equal(259, merged.Tokenizer.VocabSize);
    }

    [Fact]
    public void TheChatClientSnippetAnswers()
    {
        var run = Run("chat-client");

        Assert.Matches(@"\((\d+) tokens at T = 0\.7\)\r?\n$", run.Output);
    }

    [Fact]
    public void TheAgentSnippetWritesATrajectory()
    {
        var run = Run("agent");

        Assert.StartsWith("answer: ", run.Output);
        using var trajectory = JsonDocument.Parse(File.ReadAllText(_work.File("trajectory.json")));
        Assert.Equal("Using the numbers [1, 1, 1, 8], make 24.", trajectory.RootElement.GetProperty("question").GetString());
    }

    [Fact]
    public void TheTrainingSnippetUpdatesThePolicyAndSavesTheOptimizerState()
    {
        var run = Run("training");

        Assert.Matches(@"^loss -?\d+\.\d{4}, \|grad\| \d+\.\d{3}, clipped \d+ ?%, log-prob drift \d\.\dE[-+]\d+\r?\n$", run.Output);
        Assert.True(File.Exists(_work.File(Path.Combine("checkpoint", "optimizer.safetensors"))));
    }

    [Fact]
    public void TheTrainerSnippetTrainsChecksPointsAndResumes()
    {
        var run = Run("trainer");

        Assert.Matches(@"^step 1: reward \d\.\d\d, KL -?\d\.\d{4}, validation \d+ ?%\r?\nstep 2: .*\r?\nbest: checkpoint-[12]\r?\nresumed, step 3: reward \d\.\d\d\r?\n$", run.Output);
        Assert.Equal([1, 2, 3], File.ReadLines(_work.File(Path.Combine("flow-grpo", "metrics.jsonl"))).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()));
        Assert.True(File.Exists(_work.File(Path.Combine("flow-grpo", "checkpoint-3", "adapter_model.safetensors"))));
    }

    [Fact]
    public void TheModuleBackendsSnippetRunsItsFrozenModulesOnAServeProcess()
    {
        using var server = new Cli.Serve.ServeProcess("--model tiny --max-tokens-limit 128");

        var run = Run("module-backends", server.Endpoint.ToString());

        Assert.StartsWith("answer: ", run.Output);
    }

    [Fact]
    public void TheModuleBackendsSnippetSaysSoWhenTheEndpointIsDown()
    {
        var run = Run("module-backends", $"http://127.0.0.1:{Agent.Backends.ScriptedHttpServer.FreePort()}/v1");

        Assert.StartsWith("failed: query_analysis call failed: the endpoint ", run.Output);
        Assert.Contains("is unreachable after 4 attempts", run.Output);
    }

    [Fact]
    public void TheMLNetSnippetSavesAModelThatLoadsInAnotherProcessWithTheSameGreedyAnswer()
    {
        var run = Run("mlnet");

        using var printed = JsonDocument.Parse(run.Output);
        Assert.InRange(printed.RootElement.GetProperty("Accuracy").GetDouble(), 0, 1);
        // This test process is not the one that saved the file: LoadAgentFlow here must give the snippet's answer.
        var ml = new Microsoft.ML.MLContext(seed: 3);
        var loaded = AgentFlow.MLNet.MLNet.AgentFlowModelOperations.LoadAgentFlow(ml.Model, _work.File("agentflow.zip"), out _);
        using var engine = ml.Model.CreatePredictionEngine<AgentFlow.MLNet.MLNet.AgentFlowQuestion, AgentFlow.MLNet.MLNet.AgentFlowPrediction>(loaded);
        var prediction = engine.Predict(new AgentFlow.MLNet.MLNet.AgentFlowQuestion { Question = "What is 3 + 4?" });
        Assert.Equal(printed.RootElement.GetProperty("PredictedAnswer").GetString(), prediction.PredictedAnswer);
        string plan = AgentFlow.MLNet.Agent.Trajectories.Trajectory.FromJson(prediction.Trajectory).Turns[0].Planner.Output;
        Assert.NotEmpty(plan);
        Assert.Equal(printed.RootElement.GetProperty("plan").GetString(), plan);
    }

    private sealed record Result(string Output, string Error);

    /// <summary>Runs one snippet as its own process in the test's folder, as a user's program would run.</summary>
    private Result Run(string snippet, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _work.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        // The tests run in parallel, and a tiny model gains nothing from intra-op threads: one thread per snippet keeps
        // libtorch from oversubscribing the cores, which made a snippet several times slower on a busy machine.
        start.Environment["OMP_NUM_THREADS"] = "1";
        foreach (string argument in (string[])[Path.Combine(AppContext.BaseDirectory, "Snippets.dll"), snippet, .. arguments])
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Snippet {snippet} did not finish in 120 s.");
        }
        Assert.True(process.ExitCode == 0, $"Snippet {snippet} exited with {process.ExitCode}: {error.Result}");
        return new Result(output.Result, error.Result);
    }
}
