using System.Text.Json;
using AgentFlow.MLNet.Agent.Backends;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Agent.Backends;
using AgentFlow.MLNet.Tests.Cli.Serve;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Tools.Generation;
using AgentFlow.MLNet.Tools.Python;
using Microsoft.ML;

namespace AgentFlow.MLNet.Tests.Samples;

/// <summary>
/// samples/RealModel, run as its own process with tiny settings: the planner a Hugging Face folder (the tiny model
/// saved as one, so it takes the path a Qwen2.5 folder takes), the frozen modules on an <c>agentflow serve</c> process
/// on loopback that wants an API key, Bamboogle split into a training and a held-out part.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class RealModelSampleTests : IDisposable
{
    private const string KeyVariable = "REALMODEL_TEST_KEY";

    private readonly TempFolder _work = new();

    public RealModelSampleTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void TrainsAFolderPlannerWithFrozenModulesOnServeAndEvaluatesTheHeldOutPart()
    {
        using (var tiny = TinyModel.Create())
            CausalLMCheckpoint.Save(tiny, _work.File("planner"));
        var key = new Dictionary<string, string> { [KeyVariable] = "sample-test-key" };
        using var server = new ServeProcess($"--model tiny --max-tokens-limit 64 --api-key-env {KeyVariable}", key);

        var run = SampleProcess.Run("RealModel", _work.Path,
        [
            "--planner", "planner", "--frozen-endpoint", server.Endpoint.ToString(), "--frozen-model", "tiny", "--api-key-env", KeyVariable,
            "--benchmark", "bamboogle", "--limit", "3", "--held-out", "1", "--batch-size", "2", "--num-generations", "2", "--epochs", "1",
            "--max-turns", "1", "--eval-max-turns", "1", "--max-tokens", "8", "--learning-rate", "1e-5", "--out", "out",
        ], environment: key);

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.StartsWith("Bamboogle: 3 questions, 2 to train on, 1 held out (seed 1).", run.Output);
        Assert.Contains("held out, the untrained planner: accuracy 0.0 % of 1", run.Output);
        Assert.Contains("held out, after Flow-GRPO: accuracy ", run.Output);
        Assert.Contains("module failures 0", run.Output);
        Assert.Matches(@"held-out accuracy: \d+\.\d% untrained, \d+\.\d% after Flow-GRPO\r?\n$", run.Output);

        // One step: two training questions in one batch.
        string output = _work.File("out");
        var step = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Path.Combine(output, "training", "metrics.jsonl")))).RootElement;
        Assert.Equal(1, step.GetProperty("step").GetInt32());
        Assert.Equal(0, step.GetProperty("infrastructure_failures").GetInt32());
        var trained = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Path.Combine(output, "held-out-trained.jsonl")))).RootElement;
        var baseline = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Path.Combine(output, "held-out-baseline.jsonl")))).RootElement;
        string question = trained.GetProperty("question").GetString()!;
        Assert.Equal(question, baseline.GetProperty("question").GetString());
        Assert.Contains(question, AgentFlow.MLNet.Benchmarks.BenchmarkLoader.Load("bamboogle").Items.Select(i => i.Question));

        // The saved model.zip loads in another process and, given the same tools and frozen modules, answers as the run did.
        var ml = new MLContext(seed: 2);
        Environment.SetEnvironmentVariable(KeyVariable, "sample-test-key");
        try
        {
            using var keyed = ChatEndpoints.Create(new ChatEndpointOptions { Endpoint = server.Endpoint, Model = "tiny", ApiKeyEnvironmentVariable = KeyVariable });
            var tools = new ToolRegistry([new CalculatorTool(), new PythonTool(), new BaseGeneratorTool(keyed)]);
            var loaded = ml.Model.LoadAgentFlow(Path.Combine(output, "model.zip"), out _, new AgentFlowLoadOptions { Tools = tools, FrozenModules = keyed });
            using var engine = ml.Model.CreatePredictionEngine<AgentFlowQuestion, AgentFlowPrediction>(loaded);
            Assert.Equal(trained.GetProperty("answer").GetString(), engine.Predict(new AgentFlowQuestion { Question = question }).PredictedAnswer);
        }
        finally
        {
            Environment.SetEnvironmentVariable(KeyVariable, null);
        }
    }

    [Fact]
    public void StopsWithOneLineNamingTheEndpointWhenTheFrozenModulesAreUnreachable()
    {
        string endpoint = $"http://127.0.0.1:{ScriptedHttpServer.FreePort()}/v1";

        var run = SampleProcess.Run("RealModel", _work.Path, ["--planner", "tiny", "--frozen-endpoint", endpoint, "--frozen-model", "m", "--out", "out"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.StartsWith($"realmodel: the endpoint {endpoint} (model m) is unreachable after 4 attempts", Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("--frozen-endpoint,localhost:8000", "realmodel: --frozen-endpoint must be an http or https URL such as http://127.0.0.1:8000/v1, got 'localhost:8000'", 2)]
    [InlineData("--frozen-endpoint,http://127.0.0.1:9/v1,--held-out,0", "realmodel: --held-out must be a positive whole number", 2)]
    [InlineData("--frozen-endpoint,http://127.0.0.1:9/v1,--num-generations,1", "realmodel: --num-generations must be a whole number of at least 2", 2)]
    [InlineData("--frozen-endpoint,http://127.0.0.1:9/v1,--limit,0", "realmodel: --limit must be a positive whole number", 2)]
    [InlineData("--frozen-endpoint,http://127.0.0.1:9/v1,--device,gpu", "realmodel: --device must be auto, cpu, cuda or cuda:N, got 'gpu'", 2)]
    [InlineData("--frozen-endpoint,http://127.0.0.1:9/v1,--learning-rate,1e-5x", "realmodel: --learning-rate must be 0 or a positive number, got '1e-5x'", 2)]
    [InlineData("--frozen-endpoint,http://127.0.0.1:9/v1,--api-key-env,REALMODEL_UNSET_VARIABLE", "realmodel: the API key variable REALMODEL_UNSET_VARIABLE is not set", 1)]
    public void RefusesBadArgumentsWithOneLine(string arguments, string message, int exitCode)
    {
        var run = SampleProcess.Run("RealModel", _work.Path, ["--planner", "tiny", "--frozen-model", "m", .. arguments.Split(',')]);

        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.StartsWith(message, Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
