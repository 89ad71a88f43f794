namespace AgentFlow.MLNet.Training;

/// <summary>
/// The learning rate of each training step: linear warm-up over <see cref="FlowGrpoOptions.WarmupSteps"/>, then
/// constant or half a cosine down to <see cref="FlowGrpoOptions.MinLearningRateRatio"/>. It advances once per training
/// step (one rollout batch, however many optimizer steps its mini-batches and epochs take), as verl's scheduler does,
/// so warm-up, save and eval counts are all in the same unit.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>The rate of training step <paramref name="step"/> (from 0) of <paramref name="totalSteps"/>, peaking at <paramref name="peak"/>.</summary>
    public static double At(int step, int totalSteps, double peak, FlowGrpoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        int warmup = options.WarmupSteps;
        if (step < warmup)
            return peak * (step + 1) / (warmup + 1);
        if (options.LrScheduler == LearningRateScheduler.Constant)
            return peak;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        double progress = Math.Min(1.0, (double)(step - warmup) / Math.Max(1, totalSteps - 1 - warmup));
        double ratio = options.MinLearningRateRatio;
        return peak * (ratio + (1 - ratio) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
