using System.ComponentModel;
using System.Runtime.InteropServices;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// What this host offers one interpreter: the interpreter itself and, where it works, the bubblewrap program
/// that runs it behind a kernel boundary. Bubblewrap is accepted only after a probe run inside it, with the
/// exact command line real runs get, shows the sandbox's uid, its own pid namespace and, where this CPU has a
/// seccomp table, the filter refusing fork.
/// </summary>
internal sealed record HostSandbox(PythonInterpreter Python, Bubblewrap? Bubblewrap, bool Filtered, string Problem, bool TimedOut)
{
    private const string ProbeScript = """
        import os
        print(os.getuid(), os.getpid())
        try:
            child = os.fork()
        except PermissionError:
            print("fork refused")
        else:
            if child == 0:
                os._exit(0)
            os.waitpid(child, 0)
            print("fork allowed")
        """;

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Finds the interpreter, then bubblewrap, and probes the sandbox.</summary>
    internal static async Task<HostSandbox> DetectAsync(string interpreter, string bubblewrapCommand)
    {
        var python = await PythonInterpreter.DetectOnceAsync(interpreter).ConfigureAwait(false);
        if (python.ExecutablePath is null)
            return new(python, null, false, python.UnavailableReason, python.TimedOut);
        if (!OperatingSystem.IsLinux())
            return new(python, null, false, $"no kernel sandbox on {RuntimeInformation.OSDescription}: bubblewrap needs Linux", false);

        var (bubblewrap, problem) = await Bubblewrap.FindAsync(bubblewrapCommand, CancellationToken.None).ConfigureAwait(false);
        if (bubblewrap is null)
            return new(python, null, false, problem, false);
        if (Bubblewrap.FolderProblem(python.Folders) is { Length: > 0 } exposure)
            return new(python, null, false, exposure, false);

        bool filter = SyscallFilter.ForThisMachine() is not null;
        var probe = new PythonToolOptions
        {
            Timeout = ProbeTimeout,
            MemoryLimitBytes = 256L << 20,
            MaxWorkingFolderBytes = 1L << 20,
            MaxOutputBytes = 4096,
            // The guard would refuse the fork itself; the probe is about what the kernel refuses.
            Layers = PythonSandboxLayers.Namespaces | PythonSandboxLayers.SyscallFilter,
        };
        PythonRun run;
        try
        {
            run = await PythonSandbox.RunAsync(python, bubblewrap, ProbeScript, probe, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Win32Exception exception)
        {
            return new(python, null, false, $"'{bubblewrap.ExecutablePath}' could not be started: {exception.Message}", false);
        }
        string expected = $"{Bubblewrap.SandboxId} 1\nfork {(filter ? "refused" : "allowed")}\n";
        if (run.ExitCode == 0 && run.Stdout == expected)
            return new(python, bubblewrap, filter, "", false);
        string why = run.Stderr.Trim() is { Length: > 0 } stderr ? stderr : $"exit code {run.ExitCode}, output '{run.Stdout.Trim()}'";
        return new(python, null, false, $"bubblewrap {bubblewrap.Version.ToString(3)} cannot sandbox here: {why}", run.TimedOut);
    }
}
