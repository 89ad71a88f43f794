namespace AgentFlow.MLNet.Training;

/// <summary>What a centred reward is divided by (TRL's <c>scale_rewards</c>).</summary>
public enum RewardScaling
{
    /// <summary>The standard deviation of the reward's own group, plus ε: the GRPO and Flow-GRPO formula. The default.</summary>
    Group,

    /// <summary>The standard deviation of every reward in the batch, plus ε (TRL's <c>batch</c>): groups keep their own mean.</summary>
    Batch,

    /// <summary>No division, only the group mean is subtracted (Dr. GRPO; verl's <c>norm_adv_by_std_in_grpo = false</c>).</summary>
    None,
}
