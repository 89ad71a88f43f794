namespace AgentFlow.Cli.Serve;

/// <summary>How a generation request to <c>agentflow serve</c> ended, as <c>/metrics</c> counts it.</summary>
internal enum RequestOutcome
{
    /// <summary>Answered 200.</summary>
    Ok,

    /// <summary>Answered 429: every slot was taken.</summary>
    Rejected,

    /// <summary>Answered 4xx other than 429: the request was at fault.</summary>
    Invalid,

    /// <summary>The client went away before the answer was complete; its row was cancelled.</summary>
    Disconnected,

    /// <summary>Generation failed: answered 500, or a stream broken off.</summary>
    Failed,
}
