using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Worlds.Mini;

namespace AgentFlow.MLNet.Tests.Worlds;

/// <summary>
/// The quick start, reduced (a dozen questions, a short warm start, six Flow-GRPO steps): it runs end to end, the warm
/// start learns the demonstrations, the update moves the planner away from the reference while the learning-rate-0
/// control, run through the same rollouts from the same warm start, leaves it exactly where it was.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class MiniQuickStartTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public MiniQuickStartTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task TheReducedQuickStartCompletesAndOnlyTheUpdateMovesThePlanner()
    {
        var defaults = new MiniQuickStartOptions();
        var options = defaults with
        {
            World = new MiniWorldOptions { Seed = 2, TrainQuestions = 12, ValidationQuestions = 0, TestQuestions = 12, DistractorEntities = 10 },
            DemonstrationRuns = 8,
            WarmStart = new MiniWarmStartOptions { Steps = 150, BatchSize = 16 },
            Training = defaults.Training with { BatchSize = 4, NumTrainEpochs = 2, EvalSteps = 100 },
        };
        using var run = await MiniQuickStart.PrepareAsync(options);
        Assert.True(run.WarmStartLosses[0] > 3 && run.WarmStartLosses[^1] < 0.1, $"warm-start loss {run.WarmStartLosses[0]:F3} -> {run.WarmStartLosses[^1]:F3}");
        var before = await run.EvaluateAsync(run.World.Test);

        // The demonstrations were encoded exactly as the planner's chat client encodes its prompts.
        var turn = before.Trajectories[0].Turns[0].Planner;
        Assert.Equal(turn.Sequence!.PromptIds, run.Host.Model.EncodePrompt(turn.Prompt, chat: true));

        // Learning rate 0 first: it leaves the weights as they are, so the trained run starts from the same warm start.
        var control = await run.FitAsync(options.Training with { LearningRate = 0 });
        var unchanged = await run.EvaluateAsync(run.World.Test);
        var trained = await run.FitAsync(options.Training);
        var after = await run.EvaluateAsync(run.World.Test);

        Assert.Equal(6, control.Count);
        Assert.Equal(6, trained.Count);
        Assert.Equal(before.Correct, unchanged.Correct);
        Assert.All(control, m => Assert.False(m.Kl > 1e-9, $"control KL {m.Kl} at step {m.Step}"));
        Assert.Equal(control[0].RewardMean, trained[0].RewardMean, 6);
        Assert.True(trained.Skip(1).Max(m => m.Kl) > 1e-5, $"KL {string.Join(' ', trained.Select(m => m.Kl.ToString("G3")))}");
        Assert.Equal(run.World.Test.Count, after.Correct.Count);

        await run.SaveAsync(_folder.Path);
        Assert.True(File.Exists(Path.Combine(_folder.Path, "planner", "config.json")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_folder.Path, "planner-lora")));
    }
}
