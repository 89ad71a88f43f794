using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Tests.Training;

/// <summary>
/// Checkpoints and resume: a run killed after step k and resumed in a fresh model continues bit for bit — the same
/// samples, losses, adapters and optimizer state as the run that was never stopped, also across an epoch boundary —
/// and a checkpoint that does not fit (damaged, other data, other options) is refused with a message saying why.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TrainingCheckpointTests
{
    private const int StepsPerEpoch = 2;
    private const int TotalSteps = 2 * StepsPerEpoch;

    public TrainingCheckpointTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    /// <summary>
    /// Two questions a step, so an epoch is two steps and the run four; LoRA dropout on, so the update draws random
    /// numbers. The old log-probs are recomputed by the update: the sampler's own depend, in their last bits, on which
    /// rows happened to share a decode step (timing), so two runs could not be compared bit for bit with them.
    /// </summary>
    private static FlowGrpoOptions Options(string output) => ToolChoiceWorld.Options(learningRate: 5e-3) with
    {
        OldLogProbs = OldLogProbSource.Recomputed,
        BatchSize = 2,
        NumGenerations = 4,
        NumTrainEpochs = 2,
        SaveSteps = 1,
        OutputFolder = output,
    };

    [Theory]
    [InlineData(1)] // resumes in the middle of the first epoch and crosses into the second
    [InlineData(2)] // resumes exactly at the epoch boundary
    public async Task AResumedRunEqualsTheUninterruptedOne(int killedAfter)
    {
        using var uninterruptedFolder = new TempFolder();
        using var resumedFolder = new TempFolder();
        var uninterrupted = await TrainAsync(Options(uninterruptedFolder.Path));

        // The first process: killed after step k (its last checkpoint is k's).
        using var killed = new CancellationTokenSource();
        var progress = new SynchronousProgress(m =>
        {
            if (m.Step == killedAfter)
                killed.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TrainAsync(Options(resumedFolder.Path), progress, killed.Token));
        Assert.False(Directory.Exists(Path.Combine(resumedFolder.Path, $"checkpoint-{killedAfter + 1}")));

        // The second process: a fresh model set up as at the start, resuming from the output folder's newest checkpoint.
        var resumed = await TrainAsync(Options(resumedFolder.Path) with { ResumeFromCheckpoint = resumedFolder.Path });

        Assert.Equal(Enumerable.Range(killedAfter + 1, TotalSteps - killedAfter), resumed.Select(m => m.Step));
        Assert.Equal(resumed.Select(m => m.Epoch), uninterrupted.Skip(killedAfter).Select(m => m.Epoch));
        Assert.Contains(resumed, m => m.Epoch == 1);
        foreach (var (expected, actual) in uninterrupted.Skip(killedAfter).Zip(resumed))
        {
            Assert.Equal(expected.RewardMean, actual.RewardMean);
            Assert.Equal(expected.RolloutTokens, actual.RolloutTokens);
            Assert.Equal(expected.Loss, actual.Loss);
            Assert.Equal(expected.GradNorm, actual.GradNorm);
        }
        // Adapters and optimizer state, byte for byte, at k + 2 (the check) and at the end.
        foreach (int step in new[] { killedAfter + 2, TotalSteps }.Distinct())
            Assert.Equal(FileHashes(uninterruptedFolder.Path, step), FileHashes(resumedFolder.Path, step));
        // The metrics file tells one timeline: every step once, in order.
        Assert.Equal(Enumerable.Range(1, TotalSteps), MetricSteps(resumedFolder.Path));
    }

    [Fact]
    public async Task ADamagedNewestCheckpointGivesWayToThePreviousOneWithAWarning()
    {
        using var folder = new TempFolder();
        await TrainAsync(Options(folder.Path) with { NumTrainEpochs = 1 });
        string damaged = Path.Combine(folder.Path, "checkpoint-2");
        string optimizer = Path.Combine(damaged, "optimizer.safetensors");
        var bytes = File.ReadAllBytes(optimizer);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(optimizer, bytes);

        // Named explicitly, the damaged checkpoint is refused, naming the file.
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => TrainAsync(Options(folder.Path) with { NumTrainEpochs = 1, ResumeFromCheckpoint = damaged }));
        Assert.Contains("optimizer.safetensors", error.Message);
        Assert.Contains("damaged", error.Message);

        // Through the output folder, training resumes from step 1 and says why.
        var logger = new ListLogger();
        var resumed = await TrainAsync(Options(folder.Path) with { NumTrainEpochs = 1, ResumeFromCheckpoint = folder.Path }, logger: logger);
        Assert.Equal([2], resumed.Select(m => m.Step));
        Assert.Contains(logger.Warnings, w => w.Contains("optimizer.safetensors", StringComparison.Ordinal) && w.Contains("checkpoint-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACheckpointOfAnotherRunIsRefusedSayingWhatDiffers()
    {
        using var folder = new TempFolder();
        await TrainAsync(Options(folder.Path) with { NumTrainEpochs = 1 });
        string checkpoint = Path.Combine(folder.Path, "checkpoint-1");

        var otherSeed = await Assert.ThrowsAsync<InvalidOperationException>(() => TrainAsync(Options(folder.Path) with { Seed = 12, ResumeFromCheckpoint = checkpoint }));
        Assert.Contains("seed", otherSeed.Message);
        var otherData = await Assert.ThrowsAsync<InvalidOperationException>(() => TrainAsync(Options(folder.Path) with { ResumeFromCheckpoint = checkpoint }, train: ToolChoiceWorld.Questions.Reverse().ToArray()));
        Assert.Contains("training set", otherData.Message);
        var nothing = await Assert.ThrowsAsync<InvalidDataException>(() => TrainAsync(Options(folder.Path) with { ResumeFromCheckpoint = Path.Combine(checkpoint, "..", "..") }));
        Assert.Contains("no Flow-GRPO checkpoint", nothing.Message);
    }

    [Fact]
    public async Task StepsWithNothingToTrainStillLeaveResumableCheckpoints()
    {
        using var folder = new TempFolder();
        // Every answer scores 1, so every group has zero variance and, dropped, leaves no turn to train.
        var options = Options(folder.Path) with { NumTrainEpochs = 1, DropZeroVarianceGroups = true };
        var first = await TrainAsync(options, scorer: new AlwaysRight());
        Assert.All(first, m => Assert.Equal(0, m.TrainingTurns));

        var resumed = await TrainAsync(options with { NumTrainEpochs = 2, ResumeFromCheckpoint = Path.Combine(folder.Path, "checkpoint-1") }, scorer: new AlwaysRight());

        Assert.Equal([2, 3, 4], resumed.Select(m => m.Step));
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "checkpoint-5")));
    }

    [Fact]
    public async Task AFreshRunRefusesAFolderThatHoldsARun()
    {
        using var folder = new TempFolder();
        await TrainAsync(Options(folder.Path) with { NumTrainEpochs = 1 });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TrainAsync(Options(folder.Path) with { NumTrainEpochs = 1 }));
        Assert.Contains("already holds a training run", error.Message);
    }

    [Fact]
    public async Task TheBestValidationCheckpointOutlivesTheSaveLimit()
    {
        using var folder = new TempFolder();
        var options = Options(folder.Path) with { EvalSteps = 1, SaveTotalLimit = 1 };
        var (metrics, best, bestAccuracy) = await TrainWithValidationAsync(options);

        var accuracies = metrics.Select(m => m.ValidationAccuracy!.Value).ToList();
        int bestStep = metrics[accuracies.IndexOf(accuracies.Max())].Step;
        Assert.Equal(accuracies.Max(), bestAccuracy);
        Assert.Equal(Path.Combine(folder.Path, $"checkpoint-{bestStep}"), best);
        var kept = Directory.GetDirectories(folder.Path).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(new[] { $"checkpoint-{bestStep}", $"checkpoint-{TotalSteps}" }.Distinct().Order(), kept);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, $"checkpoint-{TotalSteps}", "trainer_state.json")))!;
        Assert.Equal($"checkpoint-{bestStep}", state["best_model_checkpoint"]!.GetValue<string>());
        Assert.Equal(TotalSteps, state["global_step"]!.GetValue<int>());
    }

    private static async Task<IReadOnlyList<FlowGrpoStepMetrics>> TrainAsync(
        FlowGrpoOptions options, IProgress<FlowGrpoStepMetrics>? progress = null, CancellationToken cancellationToken = default, IReadOnlyList<TrainingExample>? train = null, ListLogger? logger = null, IAnswerScorer? scorer = null)
    {
        using var world = await ToolChoiceWorld.CreateAsync(loraDropout: 0.1);
        using var trainer = new FlowGrpoTrainer(world.Host, ToolChoiceWorld.Tools(), scorer ?? new ExactMatchScorer(), options, ToolChoiceWorld.Setup() with { Logger = logger });
        return await trainer.TrainAsync(train ?? ToolChoiceWorld.Questions, progress: progress, cancellationToken: cancellationToken);
    }

    private static async Task<(IReadOnlyList<FlowGrpoStepMetrics> Metrics, string? Best, double? BestAccuracy)> TrainWithValidationAsync(FlowGrpoOptions options)
    {
        using var world = await ToolChoiceWorld.CreateAsync(loraDropout: 0.1);
        using var trainer = new FlowGrpoTrainer(world.Host, ToolChoiceWorld.Tools(), new ExactMatchScorer(), options, ToolChoiceWorld.Setup());
        var metrics = await trainer.TrainAsync(ToolChoiceWorld.Questions, validation: ToolChoiceWorld.Questions);
        return (metrics, trainer.BestCheckpoint, trainer.BestValidationAccuracy);
    }

    /// <summary>The SHA-256 of each file of checkpoint <paramref name="step"/>, as its trainer state records them.</summary>
    private static Dictionary<string, string> FileHashes(string output, int step)
    {
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(output, $"checkpoint-{step}", "trainer_state.json")))!;
        return state["files"]!.AsObject().ToDictionary(f => f.Key, f => f.Value!.GetValue<string>());
    }

    private static IEnumerable<int> MetricSteps(string output) =>
        File.ReadLines(Path.Combine(output, "metrics.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("step").GetInt32());

    private sealed class AlwaysRight : IAnswerScorer
    {
        public ValueTask<ScoreResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(ScoreResult.Correct(request.Response, "always right"));
    }

    /// <summary>Reports on the trainer's own thread (<see cref="Progress{T}"/> would post later, after the next step began).</summary>
    private sealed class SynchronousProgress(Action<FlowGrpoStepMetrics> report) : IProgress<FlowGrpoStepMetrics>
    {
        public void Report(FlowGrpoStepMetrics value) => report(value);
    }
}
