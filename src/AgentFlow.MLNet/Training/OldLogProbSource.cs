namespace AgentFlow.MLNet.Training;

/// <summary>Where the "old" log-probs of the PPO ratio ρ = exp(log p − log p_old) come from.</summary>
public enum OldLogProbSource
{
    /// <summary>
    /// The sampler's own log-probs (<see cref="PlannerTurnSample.SamplingLogProbs"/>): the behaviour policy exactly as
    /// it sampled, at no extra cost. Any numerical gap between the rollout engine (cached decoding, other batch
    /// shapes) and the training forward shows up in ρ from the first step and is clipped like policy drift. The default.
    /// </summary>
    Sampling,

    /// <summary>
    /// Recomputed by one gradient-free forward of the current weights over the whole batch before the update (what
    /// verl does, and TRL when it iterates more than once): ρ starts at exactly 1, so the first mini-batch is
    /// on-policy with respect to the training code path, and the sampler-vs-trainer gap is ignored rather than corrected.
    /// </summary>
    Recomputed,
}
