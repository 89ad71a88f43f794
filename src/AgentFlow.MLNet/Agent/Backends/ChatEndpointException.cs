namespace AgentFlow.MLNet.Agent.Backends;

/// <summary>
/// A module's remote endpoint could not give an answer: it is down, too slow, answered with an error status or with
/// something that is not an OpenAI chat completion. The message names the endpoint, the model, the attempts and the
/// reason; the agent records it as the module's failure.
/// </summary>
public sealed class ChatEndpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChatEndpointException(string message, int attempts, int? status, Exception? innerException)
        : base(message, innerException)
    {
        Attempts = attempts;
        Status = status;
    }

    /// <summary>How many requests were sent before giving up.</summary>
    public int Attempts { get; }

    /// <summary>The last HTTP status the endpoint answered with; null when it never answered (down, timed out).</summary>
    public int? Status { get; }
}
