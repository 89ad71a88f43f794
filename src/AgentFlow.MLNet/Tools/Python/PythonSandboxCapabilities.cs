using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// What the python tool can enforce on this host and how it will therefore run scripts: inside bubblewrap (a
/// kernel boundary) where Linux, bubblewrap 0.7+ and user namespaces allow it, else under the guard alone when
/// <see cref="PythonToolOptions.AllowGuardOnly"/> is set, else not at all. Detected once per process for each
/// interpreter and bubblewrap program, by running a probe inside the sandbox that checks its uid, its pid
/// namespace and the seccomp filter. <see cref="ToString"/> is the report that <c>agentflow info</c> prints.
/// </summary>
public sealed class PythonSandboxCapabilities
{
    private static readonly ConcurrentDictionary<(string Interpreter, string Bubblewrap), Lazy<Task<HostSandbox>>> Detected = new();

    private PythonSandboxCapabilities(HostSandbox host, PythonSandboxMode mode, IReadOnlyList<string> enforced, IReadOnlyList<string> notEnforced)
    {
        Host = host;
        Mode = mode;
        Enforced = enforced;
        NotEnforced = notEnforced;
    }

    private PythonSandboxCapabilities(HostSandbox host, string whyDisabled)
        : this(host, PythonSandboxMode.Disabled, [], [$"the tool is off: {whyDisabled}"]) =>
        WhyDisabled = whyDisabled;

    /// <summary>How scripts run: in bubblewrap, under the guard only, or not at all.</summary>
    public PythonSandboxMode Mode { get; }

    /// <summary>The interpreter's executable, or empty when none is usable.</summary>
    public string Interpreter => Host.Python.ExecutablePath ?? "";

    /// <summary>The interpreter's version, such as 3.11.7; empty when none is usable.</summary>
    public string InterpreterVersion => Host.Python.Version;

    /// <summary>The bubblewrap release in use, such as 0.8.0; empty when scripts do not run inside bubblewrap.</summary>
    public string BubblewrapVersion => Host.Bubblewrap?.Version.ToString(3) ?? "";

    /// <summary>Whether the seccomp filter is in force (bubblewrap on x86-64 or arm64).</summary>
    public bool SyscallFilter => Host.Bubblewrap is not null && Host.Filtered;

    /// <summary>Why there is no kernel boundary (or no interpreter); empty in <see cref="PythonSandboxMode.Bubblewrap"/> mode.</summary>
    public string Reason => Host.Problem;

    /// <summary>Why the tool does not run scripts; empty unless <see cref="Mode"/> is <see cref="PythonSandboxMode.Disabled"/>.</summary>
    public string WhyDisabled { get; } = "";

    /// <summary>What each run is held to, one line each.</summary>
    public IReadOnlyList<string> Enforced { get; }

    /// <summary>What is not contained, one line each.</summary>
    public IReadOnlyList<string> NotEnforced { get; }

    /// <summary>One line saying how scripts run, for logs.</summary>
    public string Summary => Mode switch
    {
        PythonSandboxMode.Bubblewrap => $"python tool: scripts run inside bubblewrap {BubblewrapVersion} (kernel boundary{(SyscallFilter ? ", seccomp filter" : ", no seccomp filter for this CPU")}) with {Interpreter} {InterpreterVersion}",
        PythonSandboxMode.GuardOnly => $"python tool: guard-only mode, NOT a security boundary ({Reason}); scripts run with {Interpreter} {InterpreterVersion}",
        _ => $"python tool: disabled: {WhyDisabled}",
    };

    internal HostSandbox Host { get; }

    /// <summary>Detects what the host allows for <paramref name="options"/>' interpreter and bubblewrap (once per process).</summary>
    /// <param name="options">The tool's options; default <see cref="PythonToolOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">Stops waiting (the detection itself goes on for later callers).</param>
    public static async Task<PythonSandboxCapabilities> DetectAsync(PythonToolOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PythonToolOptions();
        var key = (options.Interpreter, options.Bubblewrap);
        var detection = Detected.GetOrAdd(key, static key => new Lazy<Task<HostSandbox>>(() => HostSandbox.DetectAsync(key.Interpreter, key.Bubblewrap)));
        var host = await detection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (host.TimedOut)
            Detected.TryRemove(new KeyValuePair<(string, string), Lazy<Task<HostSandbox>>>(key, detection));
        return Describe(host, options);
    }

    /// <summary>The report: the summary, then what is enforced (+) and what is not (-), one per line.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Summary).Append('\n');
        foreach (string line in Enforced)
            text.Append("  + ").Append(line).Append('\n');
        foreach (string line in NotEnforced)
            text.Append("  - ").Append(line).Append('\n');
        return text.ToString();
    }

    private static PythonSandboxCapabilities Describe(HostSandbox host, PythonToolOptions options)
    {
        long cpuSeconds = (long)Math.Ceiling(options.Timeout.TotalSeconds) + 1;
        string limits = $"at most {Mebibytes(options.MemoryLimitBytes)} of address space, {cpuSeconds} CPU seconds and {Mebibytes(options.MaxFileBytes)} per file (setrlimit)";
        if (host.Python.ExecutablePath is null)
            return new(host, host.Python.UnavailableReason);
        if (host.Bubblewrap is { } bubblewrap)
        {
            return new(host, PythonSandboxMode.Bubblewrap,
            [
                $"bubblewrap {bubblewrap.Version.ToString(3)}: own user, pid, network, mount, IPC, UTS and cgroup namespaces; the script runs as uid {Bubblewrap.SandboxId} with no capabilities, in a new session, as pid 1 of its pid namespace",
                $"files: read-only /usr, the dynamic linker's cache and the interpreter's own folders{InterpreterFolders(host)}, and nothing else of the host's file system (no home, /etc or /tmp; /proc shows only the run's own processes)",
                $"the working folder is the only writable place: a {Mebibytes(options.MaxWorkingFolderBytes)} tmpfs that disappears with the run",
                "network: none (an empty network namespace" + (host.Filtered ? "; sockets other than AF_UNIX are refused)" : ")"),
                host.Filtered
                    ? "processes: one (a seccomp filter refuses fork, vfork and clone of processes; threads are allowed), and no signals, ptrace, io_uring, eBPF, namespace or mount calls"
                    : $"processes: no seccomp filter for this CPU ({RuntimeInformation.OSArchitecture}), so a script may start child processes inside its namespaces",
                $"{limits}; after {ToolText.Seconds(options.Timeout)} of wall clock, and whenever the script ends, the kernel kills every process of its pid namespace",
                "the audit-hook guard, as a second layer",
            ],
            [
                "the number of files in the working folder (each costs a little kernel memory until the run ends)",
                "CPU cores, memory bandwidth and timing, which runs share with the host",
                "kernel bugs reachable through the system calls that remain allowed",
            ]);
        }
        if (!options.AllowGuardOnly)
        {
            return new(host, $"no kernel boundary ({host.Problem}); set {nameof(PythonToolOptions)}.{nameof(PythonToolOptions.AllowGuardOnly)} to run scripts under the audit-hook guard alone, which is not a security boundary");
        }
        return new(host, PythonSandboxMode.GuardOnly,
        [
            $"{limits}; after {ToolText.Seconds(options.Timeout)} of wall clock the process tree is killed",
            "a cleared environment, no stdin, and a private working folder deleted after the run",
            "the audit-hook guard: refuses writes outside the working folder, other programs and processes, sockets, signals, native code and reading other processes' /proc entries",
        ],
        [
            $"no kernel boundary ({host.Problem}): code written to defeat the guard can read and write the host user's files, reach the network, start programs that outlive the run and signal other processes",
            "reads: any file the host user can read (such as ~/.ssh) is readable",
            "the total size of the working folder",
        ]);
    }

    private static string Mebibytes(long bytes) => $"{bytes >> 20} MiB";

    private static string InterpreterFolders(HostSandbox host) =>
        Bubblewrap.BindableFolders(host.Python.Folders).ToList() is { Count: > 0 } folders ? $" ({string.Join(", ", folders)})" : "";
}
