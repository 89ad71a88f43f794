using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Tests.Cli;

/// <summary>
/// Every <see cref="FlowGrpoOptions"/> option is a <c>train</c> flag: the flag is the option's name in kebab case (a few
/// renamed), and what the real program trains with is recorded in its checkpoint, so the test reads it back there.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TrainerFlagTests : IDisposable
{
    /// <summary>Options whose flag is not their kebab-case name, and those <c>train</c> sets from other flags.</summary>
    private static readonly Dictionary<string, string?> Renamed = new()
    {
        [nameof(FlowGrpoOptions.NumTrainEpochs)] = "--epochs",
        [nameof(FlowGrpoOptions.OutputFolder)] = null,            // --output
        [nameof(FlowGrpoOptions.ResumeFromCheckpoint)] = null,    // --resume
    };

    /// <summary>A value other than the default for every option, small enough to train the tiny model for one step.</summary>
    private static readonly FlowGrpoOptions NonDefault = new()
    {
        BatchSize = 2, NumGenerations = 3, MaxTurns = 1, Temperature = 0.9, TopP = 0.9, FrequencyPenalty = 0.5, MaxCompletionTokens = 4,
        NumTrainEpochs = 1, Seed = 7, AdvantageGrouping = AdvantageGrouping.TurnSample, ScaleRewards = RewardScaling.Batch, AdvantageEpsilon = 1e-5,
        DropZeroVarianceGroups = true, Epsilon = 0.1, EpsilonHigh = 0.25, DualClip = null, Beta = 0.01, LogRatioClamp = 10, KlClamp = 5,
        EntropyCoefficient = 0.001, LossAggregation = LossAggregation.SeqMeanTokenSumNorm, OldLogProbs = OldLogProbSource.Recomputed,
        LearningRate = 2e-5, WeightDecay = 0.1, AdamBeta1 = 0.8, AdamBeta2 = 0.99, AdamEpsilon = 1e-7, MaxGradNorm = 0.5, WarmupSteps = 1,
        LrScheduler = LearningRateScheduler.Cosine, MinLearningRateRatio = 0.1, PpoEpochs = 2, MiniBatchSize = 1, MicroBatchTokens = 4096,
        MaxConsecutiveNonFiniteSteps = 5, SaveSteps = 1, SaveTotalLimit = 3, EvalSteps = 0,
    };

    private readonly TempFolder _temp = new();

    public TrainerFlagTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void EveryTrainerOptionIsAFlagThatReachesTheTrainer()
    {
        var defaults = JsonSerializer.SerializeToNode(new FlowGrpoOptions(), TrainerState.Json)!.AsObject();
        var expected = JsonSerializer.SerializeToNode(NonDefault, TrainerState.Json)!.AsObject();
        var flags = new List<string>();
        foreach (var property in typeof(FlowGrpoOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            string key = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            if (Renamed.TryGetValue(property.Name, out string? renamed) && renamed is null)
                continue;
            Assert.False(JsonNode.DeepEquals(defaults[key], expected[key]), $"the test's value for {property.Name} is its default");
            flags.Add(Flag(renamed ?? "--" + Kebab(property.Name), property.GetValue(NonDefault)));
        }
        string data = _temp.File("train.jsonl");
        File.WriteAllLines(data, ["""{"question": "What is 2 + 2?", "answer": "4"}""", """{"question": "Capital of France?", "answer": "Paris"}"""]);
        string output = _temp.File("run");

        var result = AgentflowProcess.Run($"train --data \"{data}\" --model tiny --output \"{output}\" {string.Join(' ', flags)}");

        Assert.True(result.ExitCode == 0, result.Error);
        var trained = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "checkpoint-1", "trainer_state.json")))!["options"]!.AsObject();
        foreach (var (key, value) in expected.Where(p => p.Key is not "output_folder" and not "resume_from_checkpoint"))
            Assert.True(JsonNode.DeepEquals(value, trained[key]), $"{key}: the flag gave {trained[key]?.ToJsonString()}, expected {value?.ToJsonString()}");
    }

    [Fact]
    public void TheWordsForNoValueAndTheLimitsOfTheRangesReachTheTrainer()
    {
        string data = _temp.File("train.jsonl");
        File.WriteAllLines(data, ["""{"question": "What is 2 + 2?", "answer": "4"}"""]);
        string output = _temp.File("run");
        var flags = new Dictionary<string, object?>
        {
            ["--learning-rate"] = null, ["--save-total-limit"] = null, ["--dual-clip"] = null,
            ["--max-grad-norm"] = double.PositiveInfinity, ["--mini-batch-size"] = 0, ["--top-p"] = 1.0, ["--min-learning-rate-ratio"] = 1.0,
            ["--adam-beta1"] = 0.0,
        };

        var result = AgentflowProcess.Run($"train --data \"{data}\" --model tiny --output \"{output}\" --batch-size 1 --num-generations 2 --max-turns 1 "
            + $"--max-completion-tokens 2 --epochs 1 {string.Join(' ', flags.Select(f => Flag(f.Key, f.Value)))}");

        Assert.True(result.ExitCode == 0, result.Error);
        var trained = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "checkpoint-1", "trainer_state.json")))!["options"]!.AsObject();
        Assert.Null(trained["learning_rate"]);
        Assert.Null(trained["save_total_limit"]);
        Assert.Null(trained["dual_clip"]);
        Assert.Equal("Infinity", trained["max_grad_norm"]!.ToJsonString().Trim('"'));
        Assert.Equal(0, (int)trained["mini_batch_size"]!);
        Assert.Equal(1.0, (double)trained["top_p"]!);
        Assert.Equal(1.0, (double)trained["min_learning_rate_ratio"]!);
        Assert.Equal(0.0, (double)trained["adam_beta1"]!);
    }

    [Theory]
    [InlineData("--loss-aggregation token-sum", "--loss-aggregation must be one of token-mean, paper-nested, rollout-mean, seq-mean-token-sum-norm, got 'token-sum'")]
    [InlineData("--dual-clip 0.5", "--dual-clip must be a number above 1 or 'off', got 0.5")]
    [InlineData("--save-total-limit none", "--save-total-limit must be a positive whole number or 'all', got 'none'")]
    [InlineData("--top-p -1", "--top-p must be a number in (0, 1], got -1")]
    [InlineData("--top-p 1.5", "--top-p must be a number in (0, 1], got 1.5")]
    [InlineData("--epsilon 1", "--epsilon must be a number in (0, 1), got 1")]
    [InlineData("--adam-beta2 1", "--adam-beta2 must be a number in [0, 1), got 1")]
    [InlineData("--min-learning-rate-ratio 2", "--min-learning-rate-ratio must be a number in [0, 1], got 2")]
    [InlineData("--max-grad-norm NaN", "--max-grad-norm must be a positive number or Infinity, got NaN")]
    public void AFlagValueItCannotTakeIsAUsageErrorNamingTheFlag(string flag, string message)
    {
        var result = AgentflowProcess.Run($"train --benchmark bamboogle --model tiny --output \"{_temp.File("run")}\" {flag}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.False(Directory.Exists(_temp.File("run")));
    }

    /// <summary>How each flag whose option may be null spells the null.</summary>
    private static readonly Dictionary<string, string> NullWords = new()
    {
        ["--dual-clip"] = "off",
        ["--learning-rate"] = "auto",
        ["--save-total-limit"] = "all",
    };

    private static string Flag(string name, object? value) => value switch
    {
        true => name,
        null => $"{name} {NullWords[name]}",
        Enum e => $"{name} {Kebab(e.ToString())}",
        IFormattable number => $"{name} {number.ToString(null, CultureInfo.InvariantCulture)}",
        _ => throw new InvalidOperationException($"no spelling for {name} = {value}"),
    };

    private static string Kebab(string pascalCase) =>
        string.Concat(pascalCase.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
