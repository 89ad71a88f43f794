namespace AgentFlow.MLNet.Training;

/// <summary>
/// How per-token losses of one optimizer step (a mini-batch) are summed into the step's loss. Each mode is a
/// per-token weight fixed by the mini-batch's layout before any forward pass (see <see cref="LossWeights"/>), so
/// splitting the mini-batch into micro-batches never changes the gradient.
/// </summary>
public enum LossAggregation
{
    /// <summary>
    /// Mean over every completion token of the mini-batch (verl's <c>token-mean</c>, TRL's <c>dapo</c>/<c>bnpo</c>):
    /// weight 1 / (tokens in the mini-batch). The default.
    /// </summary>
    TokenMean,

    /// <summary>
    /// The Flow-GRPO paper's nesting: mean over an action's tokens, then over a trajectory's planner turns, then over
    /// the group's trajectories, then over the mini-batch's questions: weight 1 / (|action| · turns · trajectories · questions).
    /// </summary>
    PaperNested,

    /// <summary>
    /// Per-rollout mean (agent-lightning's <c>per_rollout_mean</c>): each trajectory's tokens, all its turns together,
    /// are averaged, then trajectories are averaged: weight 1 / (tokens of the trajectory · trajectories). A trajectory
    /// weighs the same however many turns it took, which undoes the turn-sample bias of the reference code.
    /// </summary>
    RolloutMean,

    /// <summary>
    /// Dr. GRPO (TRL's <c>dr_grpo</c>, verl's <c>seq-mean-token-sum-norm</c>): token sums divided by a constant,
    /// weight 1 / (turn samples in the mini-batch · <see cref="FlowGrpoOptions.MaxCompletionTokens"/>), so a long
    /// action is not down-weighted per token.
    /// </summary>
    SeqMeanTokenSumNorm,
}
