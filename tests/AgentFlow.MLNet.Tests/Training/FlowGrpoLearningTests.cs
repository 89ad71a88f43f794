using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Tests.Training;

/// <summary>
/// Flow-GRPO learns where the reward depends on the planner's tool choice (<see cref="ToolChoiceWorld"/>): a tiny model,
/// warm-started to pick either of two tools half of the time, is trained in the real agent loop (frozen modules
/// scripted, so only the planner decides). The control run with learning rate 0 goes through the same rollouts and
/// must not move.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class FlowGrpoLearningTests
{
    public FlowGrpoLearningTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    [Fact]
    public async Task MeanRewardRisesWithTheUpdateAndNotWithLearningRateZero()
    {
        var (trainedBefore, trainedAfter, trainedCurve) = await TrainAsync(learningRate: 5e-3);
        var (controlBefore, controlAfter, controlCurve) = await TrainAsync(learningRate: 0);

        // Both start from the same warm start: the right tool about half of the time.
        Assert.InRange(trainedBefore, 0.2, 0.8);
        Assert.Equal(trainedBefore, controlBefore, 6);
        Assert.True(trainedAfter > 0.9, $"P(right tool) went {trainedBefore:F3} -> {trainedAfter:F3}; rewards {string.Join(' ', trainedCurve.Select(r => r.ToString("F2")))}");
        Assert.Equal(controlBefore, controlAfter, 6);
        // The rollout rewards (sampled, so noisier than the probability above): the same first step (same weights, same
        // seeds), then the trained run stays above the control, whose samples come from the unchanged warm start.
        string curves = $"rewards {string.Join(' ', trainedCurve.Select(r => r.ToString("F2")))}; control {string.Join(' ', controlCurve.Select(r => r.ToString("F2")))}";
        Assert.Equal(controlCurve[0], trainedCurve[0], 6);
        Assert.True(trainedCurve.Skip(1).Average() > controlCurve.Skip(1).Average() + 0.1, curves);
        Assert.True(trainedCurve.TakeLast(4).Average() > controlCurve.TakeLast(4).Average() + 0.1, curves);
    }

    private static async Task<(double Before, double After, IReadOnlyList<double> Rewards)> TrainAsync(double learningRate)
    {
        using var world = await ToolChoiceWorld.CreateAsync();
        double before = await world.RightShareAsync();

        using var trainer = new FlowGrpoTrainer(world.Host, ToolChoiceWorld.Tools(), new ExactMatchScorer(), ToolChoiceWorld.Options(learningRate), ToolChoiceWorld.Setup());
        var metrics = await trainer.TrainAsync(ToolChoiceWorld.Questions);

        double after = await world.RightShareAsync();
        return (before, after, metrics.Select(m => m.RewardMean).ToList());
    }
}

/// <summary>A thread-safe frozen module answering from its prompt alone (rollouts call it from many trajectories at once).</summary>
internal sealed class ReplyingClient(Func<string, string> reply) : Microsoft.Extensions.AI.IChatClient
{
    public Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new Microsoft.Extensions.AI.ChatResponse(new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, reply(string.Join("\n", messages.Select(m => m.Text))))));

    public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

internal static class LearningTestClients
{
    internal static Microsoft.Extensions.AI.IChatClient AsChatClientForTest(this ModelHost host) =>
        AgentFlow.MLNet.Models.Serving.ModelHostChatClients.AsChatClient(host, new AgentFlow.MLNet.Models.Serving.LocalChatClientOptions { Sampling = new() { MaxNewTokens = 24 } });
}
