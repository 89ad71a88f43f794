using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Worlds.Mini;
using Xunit.Abstractions;

namespace AgentFlow.MLNet.Tests.Worlds;

/// <summary>
/// The quick start, reduced (a smaller world, a shorter warm start, one epoch), through the ML.NET surface it uses:
/// the warm start applied with <c>Transforms.AgentFlow</c>, trained with <c>Trainers.FlowGrpo</c>, saved and loaded
/// with <c>SaveAgentFlow</c>/<c>LoadAgentFlow</c>. The learning-rate-0 control runs the same rollouts from the same warm
/// start and must leave the planner exactly where it was; the real update must raise the rollout reward above it.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class MiniQuickStartTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();

    static MiniQuickStartTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task TheReducedQuickStartRaisesTheRewardOverTheLearningRateZeroControl()
    {
        var defaults = new MiniQuickStartOptions();
        var options = defaults with
        {
            World = new MiniWorldOptions { Seed = 1, TrainQuestions = 96, ValidationQuestions = 0, TestQuestions = 24, DistractorEntities = 20 },
            Training = defaults.Training with { NumTrainEpochs = 1, EvalSteps = 100 },
        };
        using var run = await MiniQuickStart.PrepareAsync(options, _folder.Path);
        Assert.True(run.WarmStartLosses[0] > 3 && run.WarmStartLosses[^1] < 0.1, $"warm-start loss {run.WarmStartLosses[0]:F3} -> {run.WarmStartLosses[^1]:F3}");

        MiniEvaluation before;
        using (var warmStart = run.WarmStart())
        {
            before = run.Evaluate(warmStart, run.World.Test);
            // The checkpoint carries the fine-tuned weights: an untrained planner answers nothing right.
            Assert.True(before.Accuracy > 0.5, $"warm start reloaded from its folder: {before.Accuracy:P1}");
            // The reloaded checkpoint encodes the planner's prompts exactly as the model the warm start trained.
            string prompt = before.Trajectories[0].Turns[0].Planner.Prompt;
            using var fresh = TinyModel.Create(options.Model);
            Assert.Equal(fresh.EncodePrompt(prompt, chat: true), warmStart.Model.EncodePrompt(prompt, chat: true));
        }

        // Learning rate 0 first: the same rollouts, no change to the weights.
        using var control = run.FlowGrpo(options.Training with { LearningRate = 0 }).Fit(run.Data(run.World.Train));
        var unchanged = run.Evaluate(control, run.World.Test);
        using var trained = run.FlowGrpo(options.Training).Fit(run.Data(run.World.Train));
        var after = run.Evaluate(trained, run.World.Test);

        var controlSteps = control.TrainingHistory;
        var trainedSteps = trained.TrainingHistory;
        output.WriteLine($"test accuracy: warm start {before.Accuracy:P1}, control {unchanged.Accuracy:P1}, trained {after.Accuracy:P1}");
        output.WriteLine("reward, control: " + string.Join(' ', controlSteps.Select(m => m.RewardMean.ToString("F2"))));
        output.WriteLine("reward, trained: " + string.Join(' ', trainedSteps.Select(m => m.RewardMean.ToString("F2"))));

        Assert.Equal(12, controlSteps.Count);
        Assert.Equal(12, trainedSteps.Count);
        Assert.Equal(before.Trajectories.Select(t => t.FinalAnswer), unchanged.Trajectories.Select(t => t.FinalAnswer));
        Assert.All(controlSteps, m => Assert.True(m.Kl is >= 0 and <= 1e-9, $"control KL {m.Kl} at step {m.Step}"));
        // Step 1 samples from the same weights in both runs; only rows sharing decode steps differently (last bits of
        // the log-probs) could flip a sampled token, so allow two of the 64 rollouts.
        Assert.Equal(controlSteps[0].RewardMean, trainedSteps[0].RewardMean, 2.0 / 64);
        double controlLate = controlSteps.Skip(6).Average(m => m.RewardMean);
        double trainedLate = trainedSteps.Skip(6).Average(m => m.RewardMean);
        Assert.True(trainedLate > controlLate + 0.1, $"rollout reward over the last 6 steps: {trainedLate:F3} with the update, {controlLate:F3} in the control");
        Assert.True(after.Accuracy > before.Accuracy, $"test accuracy {before.Accuracy:P1} -> {after.Accuracy:P1}");

        // The saved model answers as the trained one did.
        string file = Path.Combine(_folder.Path, "model.zip");
        run.MLContext.Model.SaveAgentFlow(trained, run.Data(run.World.Test).Schema, file);
        var loaded = run.MLContext.Model.LoadAgentFlow(file, out _, run.LoadOptions);
        try
        {
            Assert.Equal(after.Trajectories.Select(t => t.FinalAnswer), run.Evaluate(loaded, run.World.Test).Trajectories.Select(t => t.FinalAnswer));
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }
}
