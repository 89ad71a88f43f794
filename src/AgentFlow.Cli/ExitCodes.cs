namespace AgentFlow.Cli;

/// <summary>The exit codes of <c>agentflow</c>, as the README documents them.</summary>
internal static class ExitCodes
{
    /// <summary>The verb did its job.</summary>
    internal const int Success = 0;

    /// <summary>The command line was fine but the work failed: a missing or corrupt file, invalid input, an unavailable device.</summary>
    internal const int Failure = 1;

    /// <summary>The command line itself is wrong: an unknown or missing flag, a value that does not parse or is out of range.</summary>
    internal const int Usage = 2;

    /// <summary>Cancelled by Ctrl+C (SIGINT) or SIGTERM: 128 + SIGINT's number, as a shell reports a process ended by it.</summary>
    internal const int Cancelled = 130;
}
