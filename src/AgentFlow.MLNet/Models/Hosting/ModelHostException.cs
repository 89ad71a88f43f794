namespace AgentFlow.MLNet.Models.Hosting;

/// <summary>
/// The model host failed to run a batch (out of device memory, a native error). This is an infrastructure failure,
/// not the model's mistake: a trainer leaves such trajectories out of their group instead of scoring them 0.
/// </summary>
public sealed class ModelHostException : Exception
{
    /// <summary>Wraps what went wrong while decoding.</summary>
    public ModelHostException(string message, Exception inner) : base(message, inner)
    {
    }
}
