using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// Runs one script in a separate interpreter process under the limits of <see cref="PythonToolOptions"/>: a
/// private temporary working directory (mode 0700, deleted afterwards) holding only the script; an environment
/// holding only PATH, LANG and HOME/TMPDIR pointing at that directory, so no secret of the host is inherited;
/// no stdin; <c>-I</c> (isolated mode: no PYTHON* variables, user site or script folder on the import path) and
/// <c>-B</c> (no bytecode files written); kernel limits and the audit-hook guard set by
/// <c>sandbox_bootstrap.py</c> before the script runs; and a wall-clock timeout after which every process of
/// the run is killed. Given a <see cref="Bubblewrap"/>, the interpreter runs inside it (the security boundary:
/// namespaces, a read-only view of the interpreter's files, the working folder as a capped tmpfs, the seccomp
/// filter of <see cref="SyscallFilter"/>); without one, the guard and the limits are all there is.
/// </summary>
internal static class PythonSandbox
{
    /// <summary>The script's file name inside the working directory, as tracebacks show it.</summary>
    internal const string ScriptName = "main.py";

    /// <summary>How long the output pipes may stay open after the process has exited.</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    private static readonly Lazy<string> Bootstrap = new(ReadBootstrap);

    /// <summary>Runs <paramref name="code"/> with <paramref name="python"/>, inside <paramref name="bubblewrap"/> when given.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; every process of the run has been killed.</exception>
    /// <exception cref="Win32Exception">The interpreter or bubblewrap could not be started.</exception>
    internal static async Task<PythonRun> RunAsync(PythonInterpreter python, Bubblewrap? bubblewrap, string code, PythonToolOptions options, CancellationToken cancellationToken)
    {
        var workDirectory = Directory.CreateTempSubdirectory("agentflow-python-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(workDirectory.FullName, ScriptName), code, cancellationToken).ConfigureAwait(false);
            byte[]? filter = bubblewrap is not null && options.Layers.HasFlag(PythonSandboxLayers.SyscallFilter) ? SyscallFilter.ForThisMachine() : null;
            using var process = new Process { StartInfo = CreateStartInfo(python, bubblewrap, workDirectory.FullName, options, filter is not null) };
            await ProcessLauncher.StartAsync(process).ConfigureAwait(false);
            await HandOverStandardInputAsync(process, filter).ConfigureAwait(false);

            var stdout = new BoundedOutput(options.MaxOutputBytes);
            var stderr = new BoundedOutput(options.MaxOutputBytes);
            var readers = Task.WhenAll(
                stdout.ReadToEndAsync(process.StandardOutput.BaseStream, CancellationToken.None),
                stderr.ReadToEndAsync(process.StandardError.BaseStream, CancellationToken.None));

            bool timedOut = !await WaitOrKillAsync(process, bubblewrap is not null, options.Timeout, cancellationToken).ConfigureAwait(false);
            try
            {
                await readers.WaitAsync(OutputGrace, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The pipes close when every process holding them has gone; outside bubblewrap a descendant that
                // escaped the kill can hold them open. Close our ends so the readers stop writing (their failure is
                // expected and observed here); what arrived so far is the output.
                process.StandardOutput.BaseStream.Close();
                process.StandardError.BaseStream.Close();
                _ = readers.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                await Task.WhenAny(readers, Task.Delay(OutputGrace, CancellationToken.None)).ConfigureAwait(false);
            }
            return new PythonRun(process.ExitCode, stdout.ToString(), stderr.ToString(), timedOut, stdout.Truncated || stderr.Truncated);
        }
        finally
        {
            DeleteWorkDirectory(workDirectory);
        }
    }

    /// <summary>Gives bubblewrap the seccomp program on stdin (it reads to the end), then closes stdin.</summary>
    private static async Task HandOverStandardInputAsync(Process process, byte[]? filter)
    {
        try
        {
            if (filter is not null)
                await process.StandardInput.BaseStream.WriteAsync(filter).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Bubblewrap exited before reading it (a setup error); its stderr says why and becomes the run's error.
        }
    }

    /// <summary>Waits for the process; at the timeout or on cancellation kills the run. False when it timed out.</summary>
    private static async Task<bool> WaitOrKillAsync(Process process, bool inBubblewrap, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            if (!inBubblewrap || !KillNamespace(process))
                process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
    }

    /// <summary>
    /// Kills bubblewrap's child, the interpreter, which is pid 1 of the run's pid namespace: the kernel then kills
    /// every process in the namespace, and reaps them all before the child's exit reaches bubblewrap, so when
    /// bubblewrap exits nothing of the run is left. False when the child could not be found (bubblewrap was still
    /// setting up, or the kernel does not list children), so the caller kills the process tree instead.
    /// </summary>
    private static bool KillNamespace(Process bubblewrap)
    {
        string children;
        try
        {
            children = File.ReadAllText($"/proc/{bubblewrap.Id}/task/{bubblewrap.Id}/children");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        bool killed = false;
        foreach (string child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using var process = Process.GetProcessById(int.Parse(child, CultureInfo.InvariantCulture));
                process.Kill();
                killed = true;
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or Win32Exception)
            {
                // It exited by itself meanwhile, which ends the namespace just the same.
                killed = true;
            }
        }
        return killed;
    }

    private static ProcessStartInfo CreateStartInfo(PythonInterpreter python, Bubblewrap? bubblewrap, string workDirectory, PythonToolOptions options, bool filterOnStandardInput)
    {
        // The CPU limit backs up the wall-clock timeout (it holds even if this host dies); it is set one second
        // later so that the timeout, which reports what happened, normally fires first.
        long cpuSeconds = (long)Math.Ceiling(options.Timeout.TotalSeconds) + 1;
        var start = new ProcessStartInfo(bubblewrap?.ExecutablePath ?? python.ExecutablePath!)
        {
            WorkingDirectory = workDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (bubblewrap is not null)
        {
            foreach (string argument in bubblewrap.Arguments(python.Folders, workDirectory, ScriptName, options.MaxWorkingFolderBytes, filterOnStandardInput))
                start.ArgumentList.Add(argument);
            start.ArgumentList.Add(python.ExecutablePath!);
        }
        foreach (string argument in (string[])["-I", "-B", "-X", "utf8", "-c", Bootstrap.Value, ScriptName,
                     options.MemoryLimitBytes.ToString(CultureInfo.InvariantCulture),
                     cpuSeconds.ToString(CultureInfo.InvariantCulture),
                     options.MaxFileBytes.ToString(CultureInfo.InvariantCulture),
                     options.Layers.HasFlag(PythonSandboxLayers.AuditGuard) ? "guard" : "noguard"])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["HOME"] = workDirectory;
        start.Environment["TMPDIR"] = workDirectory;
        return start;
    }

    private static void DeleteWorkDirectory(DirectoryInfo workDirectory)
    {
        try
        {
            workDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temp cleaner: a failed cleanup must not turn a finished run into an error.
        }
        catch (UnauthorizedAccessException)
        {
            // As above; the guard forbids chmod, so this needs code that got past it.
        }
    }

    private static string ReadBootstrap()
    {
        const string name = "AgentFlow.MLNet.Tools.Python.sandbox_bootstrap.py";
        using var stream = typeof(PythonSandbox).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource {name} is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
