using System.Text.Json;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Cli;

/// <summary><c>agentflow train</c> as the real program on the built-in tiny model.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public TrainCommandTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TrainWritesAStepsMetricsTheAdaptersAndAMergedModelThatLoads()
    {
        string data = _temp.File("train.jsonl");
        File.WriteAllLines(data, ["""{"question": "What is 2 + 2?", "answer": "4"}""", """{"question": "Capital of France?", "answer": "Paris"}"""]);
        string output = _temp.File("run");

        var result = AgentflowProcess.Run($"train --data \"{data}\" --model tiny --output \"{output}\" --batch-size 2 --num-generations 2 --epochs 1 --max-turns 1 --max-completion-tokens 4");

        Assert.True(result.ExitCode == 0, result.Error);
        var step = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Path.Combine(output, "metrics.jsonl")))).RootElement;
        Assert.Equal(1, step.GetProperty("step").GetInt32());
        Assert.Equal(4, step.GetProperty("training_turns").GetInt32());   // 2 questions x 2 trajectories x 1 turn
        Assert.Contains("step 1 (epoch 1): reward ", result.Error);
        Assert.Equal(8, JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "adapter", "adapter_config.json"))).RootElement.GetProperty("r").GetInt32());

        // The untrained tiny model earns no reward, so every advantage is 0 and the weights must not have moved:
        // the merged model generates exactly what the base model does.
        using var trained = LocalModel.Load(Path.Combine(output, "model"));
        using var untrained = TinyModel.Create(new TinyModelOptions { Seed = 1 });
        var sampling = new SamplingOptions { MaxNewTokens = 8 };
        var prompt = untrained.EncodePrompt("abc");
        Assert.Equal(new GenerationEngine(untrained.Model).Generate([prompt], sampling)[0].CompletionIds,
            new GenerationEngine(trained.Model).Generate([prompt], sampling)[0].CompletionIds);
    }

    [Fact]
    public void ResumeContinuesTheRunInTheOutputFolderFromItsNewestCheckpoint()
    {
        string data = _temp.File("train.jsonl");
        File.WriteAllLines(data, ["""{"question": "What is 2 + 2?", "answer": "4"}""", """{"question": "Capital of France?", "answer": "Paris"}"""]);
        string output = _temp.File("run");
        string flags = $"train --data \"{data}\" --model tiny --output \"{output}\" --batch-size 1 --num-generations 2 --max-turns 1 --max-completion-tokens 4 --save-steps 1";

        var first = AgentflowProcess.Run($"{flags} --epochs 1");
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(Directory.Exists(Path.Combine(output, "checkpoint-2")));

        var resumed = AgentflowProcess.Run($"{flags} --epochs 2 --resume");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("trained 2 steps (to step 4)", resumed.Output);
        Assert.Equal([1, 2, 3, 4], File.ReadLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()));
        var changed = AgentflowProcess.Run($"{flags} --epochs 2 --seed 7 --resume");
        Assert.Equal(1, changed.ExitCode);
        // The refusal names the flags the user typed, not the option keys of trainer_state.json.
        Assert.Contains("was trained with --seed = 42, but this run has 7; a resumed run must keep every option except --eval-steps, --max-consecutive-non-finite-steps, --epochs, --save-steps, --save-total-limit", changed.Error);
    }

    [Theory]
    [InlineData("--data x.jsonl --benchmark bamboogle", "give exactly one of --benchmark NAME and --data FILE (.jsonl, .csv or .tsv)")]
    [InlineData("--data x.jsonl --frozen-endpoint http://h/v1 --frozen-model m --module-endpoint judge=http://j/v1",
        "train runs all frozen modules on one backend: use --frozen-endpoint and --frozen-model, not --module-endpoint or --module-model")]
    [InlineData("--data x.jsonl --num-generations 1", "--num-generations must be a whole number of at least 2, got 1")]
    public void TrainUsageErrorsNameTheProblem(string flags, string message)
    {
        var result = AgentflowProcess.Run($"train --model tiny --output out {flags}");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"agentflow: {message} (see 'agentflow train --help'){Environment.NewLine}", result.Error);
    }
}
