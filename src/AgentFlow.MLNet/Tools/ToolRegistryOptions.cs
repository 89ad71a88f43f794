namespace AgentFlow.MLNet.Tools;

/// <summary>Limits <see cref="ToolRegistry"/> applies to every call.</summary>
public sealed record ToolRegistryOptions
{
    /// <summary>How long a call may run before it is abandoned and reported as timed out. Default 60 seconds.</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Per-tool timeouts by tool name, overriding <see cref="DefaultTimeout"/>. Default none.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Timeouts { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>
    /// The most characters of <see cref="ToolResult.Output"/> (and, separately, of <see cref="ToolResult.Error"/>)
    /// kept in a result; longer text loses its middle to a truncation marker. Default 4000, about a thousand
    /// tokens: enough for a search page or a traceback, small enough that memory stays within a prompt.
    /// At least 200.
    /// </summary>
    public int MaxOutputCharacters { get; init; } = 4000;

    /// <summary>
    /// Calls of one tool that may run at once; further calls wait for a slot (the wait honours cancellation and does
    /// not count towards the timeout). Bounds the python processes and search threads a batch of trajectories
    /// starts together. Default: the machine's core count.
    /// </summary>
    public int DefaultMaxConcurrentCalls { get; init; } = Environment.ProcessorCount;

    /// <summary>Per-tool overrides of <see cref="DefaultMaxConcurrentCalls"/>, by tool name. Default none.</summary>
    public IReadOnlyDictionary<string, int> MaxConcurrentCalls { get; init; } = new Dictionary<string, int>();
}
