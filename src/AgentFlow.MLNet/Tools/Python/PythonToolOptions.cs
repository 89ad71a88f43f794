namespace AgentFlow.MLNet.Tools.Python;

/// <summary>Where the python tool finds its interpreter and the limits each run gets.</summary>
public sealed record PythonToolOptions
{
    /// <summary>The interpreter to run: a path, or a command looked up on PATH. Default <c>python3</c>.</summary>
    public string Interpreter { get; init; } = "python3";

    /// <summary>
    /// Wall-clock time a run may take before its process tree is killed. Default 10 seconds, as the reference
    /// AgentFlow coder allows. The run also gets this many CPU seconds (plus one) as a kernel limit.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The address-space limit (RLIMIT_AS) of the process. Default 512 MiB: enough for ordinary numeric work;
    /// allocations beyond it fail with MemoryError. At least 64 MiB, since the interpreter itself needs some.
    /// </summary>
    public long MemoryLimitBytes { get; init; } = 512L << 20;

    /// <summary>The largest file the code may write (RLIMIT_FSIZE). Default 16 MiB.</summary>
    public long MaxFileBytes { get; init; } = 16L << 20;

    /// <summary>
    /// The most bytes kept from each of stdout and stderr; the middle of a longer stream is dropped (the process
    /// keeps running). Default 64 KiB. At least 1 KiB.
    /// </summary>
    public int MaxOutputBytes { get; init; } = 64 << 10;
}
