namespace AgentFlow.MLNet.Models.Generation;

/// <summary>Derives independent sampling seeds from one run seed, so every sample of a run is reproducible on its own.</summary>
public static class SamplingSeeds
{
    /// <summary>
    /// A well-mixed seed for the sample identified by <paramref name="path"/> (for a rollout: step, question, sample,
    /// module call). Different paths give unrelated seeds; the same path always gives the same one.
    /// </summary>
    public static ulong Derive(ulong seed, params ReadOnlySpan<long> path) => RowRandom.Derive(seed, path);
}
