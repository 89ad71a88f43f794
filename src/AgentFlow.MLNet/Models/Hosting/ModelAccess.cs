namespace AgentFlow.MLNet.Models.Hosting;

/// <summary>What a unit of work run through <see cref="ModelHost.RunAsync{T}"/> does to the model.</summary>
public enum ModelAccess
{
    /// <summary>Reads the weights (scoring, log-probs, evaluation). Runs between two decode steps; rows keep decoding around it.</summary>
    Read,

    /// <summary>
    /// Changes the weights (an optimiser step, loading adapters). Runs only when no row is mid-decode, and no new row
    /// starts until it has finished, so no sequence mixes two versions of the weights.
    /// </summary>
    Write,
}
