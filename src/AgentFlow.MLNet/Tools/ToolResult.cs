namespace AgentFlow.MLNet.Tools;

/// <summary>What a tool call produced: an output, or a failure with its reason (and any partial output).</summary>
public sealed record ToolResult
{
    /// <summary>Whether the call did what was asked.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>The tool's output; on failure, whatever it produced before failing (may be empty).</summary>
    public string Output { get; init; } = "";

    /// <summary>Why the call failed; empty when it succeeded.</summary>
    public string Error { get; init; } = "";

    /// <summary>Wall-clock time of the call, measured by <see cref="ToolRegistry"/>; zero when a tool is invoked directly.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Whether <see cref="Output"/> or <see cref="Error"/> was shortened to fit a size cap.</summary>
    public bool Truncated { get; init; }

    /// <summary>A successful result.</summary>
    public static ToolResult Success(string output) => new() { Succeeded = true, Output = output };

    /// <summary>A failed result with its reason and any output produced before the failure.</summary>
    public static ToolResult Failure(string error, string output = "") => new() { Succeeded = false, Error = error, Output = output };
}
