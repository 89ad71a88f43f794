using System.Diagnostics;
using System.Globalization;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// Runs one script in a separate interpreter process under the limits of <see cref="PythonToolOptions"/>:
/// a private temporary working directory (mode 0700, deleted afterwards) holding only the script; an
/// environment holding only PATH, LANG and HOME/TMPDIR pointing at that directory, so no secret of the host
/// is inherited; stdin closed; <c>-I</c> (isolated mode: no PYTHON* variables, user site or script folder
/// on the import path) and <c>-B</c> (no bytecode files written); kernel limits and the audit-hook guard set
/// by <c>sandbox_bootstrap.py</c> before the script runs; and a wall-clock timeout after which the whole
/// process tree is killed. What is not contained: the process runs as the host's user, so it can read any
/// file that user can read; the guard that stops writes outside the directory, other processes and the
/// network is a guard, not a security boundary (see the bootstrap). Run the host unprivileged, or in a
/// container, when the code may be hostile.
/// </summary>
internal static class PythonSandbox
{
    /// <summary>The script's file name inside the working directory, as tracebacks show it.</summary>
    internal const string ScriptName = "main.py";

    /// <summary>How long the output pipes may stay open after the process has exited.</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    private static readonly Lazy<string> Bootstrap = new(ReadBootstrap);

    /// <summary>Runs <paramref name="code"/> with <paramref name="executable"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the process tree has been killed.</exception>
    internal static async Task<PythonRun> RunAsync(string executable, string code, PythonToolOptions options, CancellationToken cancellationToken)
    {
        var workDirectory = Directory.CreateTempSubdirectory("agentflow-python-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(workDirectory.FullName, ScriptName), code, cancellationToken).ConfigureAwait(false);
            using var process = new Process { StartInfo = CreateStartInfo(executable, workDirectory.FullName, options) };
            process.Start();
            process.StandardInput.Close();

            var stdout = new BoundedOutput(options.MaxOutputBytes);
            var stderr = new BoundedOutput(options.MaxOutputBytes);
            var readers = Task.WhenAll(
                stdout.ReadToEndAsync(process.StandardOutput.BaseStream, CancellationToken.None),
                stderr.ReadToEndAsync(process.StandardError.BaseStream, CancellationToken.None));

            bool timedOut = !await WaitOrKillAsync(process, options.Timeout, cancellationToken).ConfigureAwait(false);
            try
            {
                await readers.WaitAsync(OutputGrace, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The pipes close when every process holding them has gone; a descendant that escaped the kill
                // can hold them open. Close our ends so the readers stop writing (their failure is expected and
                // observed here); what arrived so far is the output.
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

    /// <summary>Waits for the process; at the timeout or on cancellation kills its tree. False when it timed out.</summary>
    private static async Task<bool> WaitOrKillAsync(Process process, TimeSpan timeout, CancellationToken cancellationToken)
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
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
    }

    private static ProcessStartInfo CreateStartInfo(string executable, string workDirectory, PythonToolOptions options)
    {
        // The CPU limit backs up the wall-clock timeout (it holds even if this host dies); it is set one second
        // later so that the timeout, which reports what happened, normally fires first.
        long cpuSeconds = (long)Math.Ceiling(options.Timeout.TotalSeconds) + 1;
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in (string[])["-I", "-B", "-X", "utf8", "-c", Bootstrap.Value, ScriptName,
                     options.MemoryLimitBytes.ToString(CultureInfo.InvariantCulture),
                     cpuSeconds.ToString(CultureInfo.InvariantCulture),
                     options.MaxFileBytes.ToString(CultureInfo.InvariantCulture)])
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
