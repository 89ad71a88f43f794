namespace AgentFlow.MLNet.Training;

/// <summary>The learning-rate curve after warm-up (TRL's <c>lr_scheduler_type</c>; see <see cref="LearningRateSchedule"/>).</summary>
public enum LearningRateScheduler
{
    /// <summary>The full learning rate for every step after warm-up (verl's default). The default.</summary>
    Constant,

    /// <summary>Half a cosine from the full rate down to <see cref="FlowGrpoOptions.MinLearningRateRatio"/> × the rate at the last step.</summary>
    Cosine,
}
