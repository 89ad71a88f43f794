using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentFlow.MLNet.Training;

/// <summary>
/// Training as OpenTelemetry-compatible instruments and activities: subscribe to the meter and activity source named
/// <see cref="Name"/> (e.g. <c>AddMeter("AgentFlow.MLNet.Training")</c>) to see steps in an existing dashboard.
/// </summary>
public static class TrainingTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "AgentFlow.MLNet.Training";

    internal static readonly ActivitySource Activities = new(Name);

    private static readonly Meter Meter = new(Name);
    private static readonly Counter<long> Steps = Meter.CreateCounter<long>("agentflow.training.steps", description: "Flow-GRPO steps completed");
    private static readonly Counter<long> Trajectories = Meter.CreateCounter<long>("agentflow.training.trajectories", description: "Trajectories rolled out");
    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>("agentflow.training.rollout_tokens", unit: "{token}", description: "Planner tokens sampled in rollouts");
    private static readonly Histogram<double> Reward = Meter.CreateHistogram<double>("agentflow.training.reward", description: "Mean outcome reward per step");
    private static readonly Histogram<double> Kl = Meter.CreateHistogram<double>("agentflow.training.kl", description: "Mean KL to the reference per step");
    private static readonly Histogram<double> StepTime = Meter.CreateHistogram<double>("agentflow.training.step_duration", unit: "s", description: "Wall time per step");

    internal static void Record(FlowGrpoStepMetrics metrics, int trajectories)
    {
        Steps.Add(1);
        Trajectories.Add(trajectories);
        Tokens.Add(metrics.RolloutTokens);
        if (double.IsFinite(metrics.RewardMean))
            Reward.Record(metrics.RewardMean);
        if (double.IsFinite(metrics.Kl))
            Kl.Record(metrics.Kl);
        StepTime.Record(metrics.StepSeconds);
    }
}
