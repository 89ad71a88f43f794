using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Worlds.Mini;
using Microsoft.ML;

namespace AgentFlow.MLNet.Tests.Samples;

/// <summary>
/// A model.zip made as the QuickStart makes its own, reduced to seconds: the default world (the one Consume rebuilds
/// from the seed), a 15-step warm start (a rough planner is enough: the tests compare Consume with the same file
/// in-process), one Flow-GRPO step on four questions (so the file holds LoRA adapters, as the QuickStart's does),
/// saved with <c>SaveAgentFlow</c>. Also what that file answers in this process, for comparison.
/// </summary>
public sealed class QuickStartModelFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();

    /// <summary>The saved model.</summary>
    public string ModelPath => _folder.File("model.zip");

    /// <summary>Two of the world's test questions.</summary>
    public IReadOnlyList<MiniQuestion> Questions { get; private set; } = [];

    /// <summary>The saved model's answers to <see cref="Questions"/>, through a PredictionEngine in this process.</summary>
    public IReadOnlyList<string> Answers { get; private set; } = [];

    public async Task InitializeAsync()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        var defaults = new MiniQuickStartOptions();
        var options = defaults with
        {
            WarmStart = defaults.WarmStart with { Steps = 15 },
            Training = defaults.Training with { BatchSize = 4, NumGenerations = 2, NumTrainEpochs = 1 },
        };
        using var run = await MiniQuickStart.PrepareAsync(options, _folder.Path);
        using (var trained = run.FlowGrpo(options.Training).Fit(run.Data([.. run.World.Train.Take(4)])))
            run.MLContext.Model.SaveAgentFlow(trained, run.Data(run.World.Test).Schema, ModelPath);

        Questions = [.. run.World.Test.Take(2)];
        var ml = new MLContext(seed: 5);
        var loaded = ml.Model.LoadAgentFlow(ModelPath, out _, run.LoadOptions);
        using var engine = ml.Model.CreatePredictionEngine<AgentFlowQuestion, AgentFlowPrediction>(loaded);
        Answers = [.. Questions.Select(q => engine.Predict(new AgentFlowQuestion { Question = q.Question }).PredictedAnswer)];
        // Consume is compared with these answers; were they all empty, a Consume that printed nothing would pass.
        Assert.Contains(Answers, answer => !string.IsNullOrWhiteSpace(answer));
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}
