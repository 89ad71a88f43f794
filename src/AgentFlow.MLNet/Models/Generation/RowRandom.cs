namespace AgentFlow.MLNet.Models.Generation;

/// <summary>
/// A row's own stream of uniform draws (SplitMix64), seeded by the row's seed alone. Each sampled token consumes one
/// draw, so a row's tokens depend only on its seed and its logits: never on which other rows share its batch, when it
/// joined, or which device runs the model.
/// </summary>
internal sealed class RowRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next draw, uniform in [0, 1) with 53 random bits.</summary>
    internal double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Combines a seed with further values (step, question, sample, call...) into a well-mixed child seed.</summary>
    internal static ulong Derive(ulong seed, params ReadOnlySpan<long> values)
    {
        ulong mixed = Mix(seed ^ 0x9E3779B97F4A7C15UL);
        foreach (long value in values)
            mixed = Mix(mixed ^ unchecked((ulong)value) * 0xBF58476D1CE4E5B9UL);
        return mixed;
    }

    private ulong Next()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        return Mix(_state);
    }

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
