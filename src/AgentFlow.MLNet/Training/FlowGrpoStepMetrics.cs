namespace AgentFlow.MLNet.Training;

/// <summary>What one Flow-GRPO step did: its rollouts, its rewards and its update. Written to <c>metrics.jsonl</c>, one object a line.</summary>
/// <param name="Step">1-based training step.</param>
/// <param name="Epoch">0-based pass over the training set the step's questions come from.</param>
/// <param name="RewardMean">Mean outcome reward of the step's scored trajectories.</param>
/// <param name="Accuracy">Share of scored trajectories with reward 1.</param>
/// <param name="RewardBySource">Mean reward per <see cref="TrainingExample.Source"/>.</param>
/// <param name="MeanTurns">Planner turns per trajectory.</param>
/// <param name="ToolCalls">Tool calls made in the step's trajectories.</param>
/// <param name="ToolErrorRate">Share of turns that recorded an error (unknown tool, malformed call, tool failure).</param>
/// <param name="InvalidPlannerOutputs">Planner outputs that did not parse into a next step.</param>
/// <param name="InfrastructureFailures">Trajectories cut short by a failing module client, left out of their group.</param>
/// <param name="ZeroVarianceGroups">Groups whose G rewards were all equal (no learning signal).</param>
/// <param name="TrainingTurns">Planner turns that entered the update.</param>
/// <param name="Kl">Mean k3 KL to the reference over the update's tokens.</param>
/// <param name="ClipFractionLow">Share of tokens clipped at 1 − ε (negative advantages).</param>
/// <param name="ClipFractionHigh">Share of tokens clipped at 1 + ε_high (positive advantages).</param>
/// <param name="Entropy">Mean policy entropy over the update's tokens.</param>
/// <param name="GradNorm">Gradient norm before clipping (last optimizer step of the update).</param>
/// <param name="LearningRate">Learning rate used by the update.</param>
/// <param name="Loss">The update's mean loss.</param>
/// <param name="LogProbDrift">Mean |recomputed log-prob − sampling log-prob| of the trained tokens: token fidelity between rollout and update.</param>
/// <param name="SkippedUpdates">Optimizer steps skipped for a non-finite loss or gradient.</param>
/// <param name="RolloutTokens">Tokens the planner sampled in the step's rollouts.</param>
/// <param name="RolloutSeconds">Wall time of the rollouts (all B × G trajectories).</param>
/// <param name="UpdateTokensPerSecond">Trained tokens per second of the update.</param>
/// <param name="StepSeconds">Wall time of the whole step.</param>
/// <param name="PeakWorkingSetBytes">The process's peak working set so far.</param>
public sealed record FlowGrpoStepMetrics(
    int Step,
    int Epoch,
    double RewardMean,
    double Accuracy,
    IReadOnlyDictionary<string, double> RewardBySource,
    double MeanTurns,
    int ToolCalls,
    double ToolErrorRate,
    int InvalidPlannerOutputs,
    int InfrastructureFailures,
    int ZeroVarianceGroups,
    int TrainingTurns,
    double Kl,
    double ClipFractionLow,
    double ClipFractionHigh,
    double Entropy,
    double GradNorm,
    double LearningRate,
    double Loss,
    double LogProbDrift,
    int SkippedUpdates,
    long RolloutTokens,
    double RolloutSeconds,
    double UpdateTokensPerSecond,
    double StepSeconds,
    long PeakWorkingSetBytes)
{
    /// <summary>Greedy accuracy on the validation set, on steps that validated; otherwise null.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>
    /// Planner prompts too long for the context, cut in the middle before sampling by the chat client's rule: room is
    /// left for min(completion tokens, context / 4) new tokens, and of what fits the first third (the instructions) and
    /// the last two thirds (the latest memory) are kept. Such turns train on the cut ids they were sampled from.
    /// </summary>
    public int PlannerPromptsCut { get; init; }

    /// <summary>
    /// The process's working set (resident native and managed memory) at the end of the step. A Fit whose memory is
    /// flat holds this level from step to step; <see cref="PeakWorkingSetBytes"/> only ever grows.
    /// </summary>
    public long WorkingSetBytes { get; init; }

    /// <summary>Bytes allocated on the managed heap at the end of the step (<see cref="GC.GetTotalMemory"/>, no collection forced).</summary>
    public long ManagedHeapBytes { get; init; }
}
