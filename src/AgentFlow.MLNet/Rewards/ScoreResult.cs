namespace AgentFlow.MLNet.Rewards;

/// <summary>A reward and how it came about.</summary>
public sealed record ScoreResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="score">The reward, in [0, 1].</param>
    /// <param name="extracted">The answer the scorer read from the response, or null when it found none.</param>
    /// <param name="reason">Why the response earned this score, for logs and trajectories.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="score"/> is outside [0, 1] or not a number.</exception>
    public ScoreResult(double score, string? extracted, string reason)
    {
        if (!(score >= 0 && score <= 1))
            throw new ArgumentOutOfRangeException(nameof(score), score, "A score must lie in [0, 1].");
        ArgumentNullException.ThrowIfNull(reason);
        Score = score;
        Extracted = extracted;
        Reason = reason;
    }

    /// <summary>The reward, in [0, 1].</summary>
    public double Score { get; }

    /// <summary>The answer the scorer read from the response, or null when it found none.</summary>
    public string? Extracted { get; }

    /// <summary>Why the response earned this score.</summary>
    public string Reason { get; }

    /// <summary>A full-credit result.</summary>
    public static ScoreResult Correct(string? extracted, string reason) => new(1, extracted, reason);

    /// <summary>A zero-credit result.</summary>
    public static ScoreResult Incorrect(string? extracted, string reason) => new(0, extracted, reason);
}
