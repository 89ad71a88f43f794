namespace AgentFlow.MLNet.Training;

/// <summary>
/// One planner turn of one trajectory, token in and token out: the exact ids the planner saw and produced and the
/// log-probs it sampled them with, so the update trains on what was sampled without re-tokenising anything.
/// </summary>
/// <param name="GroupIndex">The question's index in the training step (all G trajectories of a question share it).</param>
/// <param name="TrajectoryIndex">The trajectory's index within its group, 0 … G − 1.</param>
/// <param name="TurnIndex">The planner turn's index within its trajectory, from 0.</param>
/// <param name="PromptIds">The planner's prompt ids; at least one.</param>
/// <param name="CompletionIds">The planner's sampled completion ids; at least one.</param>
/// <param name="SamplingLogProbs">
/// One log-prob per completion token under log_softmax(logits / <paramref name="Temperature"/>), as the sampler drew it.
/// </param>
/// <param name="Temperature">The temperature the completion was sampled at; the update scores under the same one.</param>
/// <param name="Source">The question's source (benchmark or data set), for per-source metrics; null when unknown.</param>
public sealed record PlannerTurnSample(
    int GroupIndex,
    int TrajectoryIndex,
    int TurnIndex,
    IReadOnlyList<int> PromptIds,
    IReadOnlyList<int> CompletionIds,
    IReadOnlyList<float> SamplingLogProbs,
    double Temperature,
    string? Source = null);
