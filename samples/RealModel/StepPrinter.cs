using System.Globalization;
using AgentFlow.MLNet.Training;

namespace RealModel;

/// <summary>
/// Prints each training step as it finishes, on the trainer's thread and so in order (<see cref="Progress{T}"/> posts
/// to the thread pool, which can reorder lines).
/// </summary>
internal sealed class StepPrinter : IProgress<FlowGrpoStepMetrics>
{
    public void Report(FlowGrpoStepMetrics step) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"step {step.Step} (epoch {step.Epoch + 1}): reward {step.RewardMean:F3}, KL {step.Kl:E2}, loss {step.Loss:F4}, turns {step.MeanTurns:F2}, " +
        $"tool errors {step.ToolErrorRate:P0}, module failures {step.InfrastructureFailures}, {step.RolloutTokens} rollout tokens, {step.StepSeconds:F1} s"));
}
