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
}
