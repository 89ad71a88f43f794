namespace AgentFlow.MLNet.Models.Hosting;

/// <summary>How a <see cref="ModelHost"/> batches.</summary>
public sealed record ModelHostOptions
{
    /// <summary>Most rows decoded together; requests beyond wait and join as rows finish. Default 64.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>
    /// When the host is idle and a request arrives, how long it waits for others to arrive with it before prefilling,
    /// so that concurrent identical prompts (a group's G first-turn planner prompts) are prefilled once. It never
    /// delays a batch that is already decoding: requests that arrive then join at the next step. Default 2 ms.
    /// </summary>
    public TimeSpan AdmissionWindow { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (MaxBatchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "The batch needs room for at least one row.");
        if (AdmissionWindow < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(AdmissionWindow), AdmissionWindow, "The admission window cannot be negative.");
    }
}
