namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>Supervised fine-tuning of the warm start on the teacher's demonstrations.</summary>
public sealed record MiniWarmStartOptions
{
    /// <summary>Optimizer steps. Default 150.</summary>
    public int Steps { get; init; } = 150;

    /// <summary>Demonstrations per step, drawn at random. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>AdamW learning rate (all weights are trained). Default 3e-3.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Seed of the batch draws. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Steps < 0)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Must not be negative.");
        if (BatchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Must be positive.");
        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be a finite, non-negative number.");
    }
}
