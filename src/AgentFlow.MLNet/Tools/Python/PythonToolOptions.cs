using Microsoft.Extensions.Logging;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>Where the python tool finds its interpreter and sandbox, and the limits each run gets.</summary>
public sealed record PythonToolOptions
{
    /// <summary>The interpreter to run: a path, or a command looked up on PATH. Default <c>python3</c>.</summary>
    public string Interpreter { get; init; } = "python3";

    /// <summary>
    /// The bubblewrap program that puts each run behind a kernel boundary (Linux): a path, or a command looked up
    /// on PATH. Default <c>bwrap</c> (Debian and Ubuntu package <c>bubblewrap</c>, version 0.7 or newer).
    /// </summary>
    public string Bubblewrap { get; init; } = "bwrap";

    /// <summary>
    /// Whether the tool may run scripts under the in-process guard alone when the host offers no kernel boundary
    /// (macOS, Windows, Linux without bubblewrap or without user namespaces). Default false: the tool is then
    /// disabled and every call fails saying why. The guard stops careless code, not code written to escape it,
    /// so opt in only where the scripts are trusted or the host is itself a disposable sandbox.
    /// </summary>
    public bool AllowGuardOnly { get; init; }

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
    /// The most bytes all files in the working folder may hold together. Default 64 MiB. Enforced inside the
    /// bubblewrap sandbox, where the folder is a tmpfs of this size (its pages count as the host's memory while
    /// the run lasts); the guard-only mode cannot enforce it. At least 1 MiB.
    /// </summary>
    public long MaxWorkingFolderBytes { get; init; } = 64L << 20;

    /// <summary>
    /// The most bytes kept from each of stdout and stderr; the middle of a longer stream is dropped (the process
    /// keeps running). Default 64 KiB. At least 1 KiB.
    /// </summary>
    public int MaxOutputBytes { get; init; } = 64 << 10;

    /// <summary>
    /// Receives one line on a tool's first use saying which sandbox it runs scripts in (a warning when there is
    /// no kernel boundary). Default none.
    /// </summary>
    public ILogger? Logger { get; init; }

    /// <summary>The layers a run is put behind; tests switch single layers off to show that each holds alone.</summary>
    internal PythonSandboxLayers Layers { get; init; } = PythonSandboxLayers.All;
}
