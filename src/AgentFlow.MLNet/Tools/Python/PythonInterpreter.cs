using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// A Python interpreter found and checked once: it must start, be 3.9 or newer (the audit events the sandbox
/// guard relies on) and have the <c>resource</c> module (setrlimit, so POSIX only). The probe also resolves
/// launchers such as pyenv shims to the real executable, which then starts faster and needs no environment.
/// </summary>
internal sealed record PythonInterpreter
{
    private const string ProbeScript =
        "import sys, resource\n" +
        "print(sys.executable)\n" +
        "print('%d.%d.%d' % sys.version_info[:3])\n" +
        "print(int(sys.version_info >= (3, 9)))";

    /// <summary>Detections by interpreter name: each is probed once per process, however many tools use it.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<Task<PythonInterpreter>>> Detected = new(StringComparer.Ordinal);

    private PythonInterpreter(string? executablePath, string version, string unavailableReason, bool timedOut = false) =>
        (ExecutablePath, Version, UnavailableReason, TimedOut) = (executablePath, version, unavailableReason, timedOut);

    /// <summary>True when the probe gave up waiting rather than finding the interpreter unusable.</summary>
    private bool TimedOut { get; }

    /// <summary>The interpreter's executable, or null when none is usable.</summary>
    internal string? ExecutablePath { get; }

    /// <summary>The interpreter's version, such as 3.11.7; empty when none is usable.</summary>
    internal string Version { get; }

    /// <summary>Why no interpreter is usable; empty when one is.</summary>
    internal string UnavailableReason { get; }

    /// <summary>
    /// The detection of <paramref name="interpreter"/>, run on the first request and shared by later ones. A probe
    /// that timed out (a busy host, a slow shim) is forgotten, so the next call probes again instead of the tool
    /// staying disabled for the life of the process.
    /// </summary>
    internal static async Task<PythonInterpreter> DetectOnceAsync(string interpreter)
    {
        var detection = Detected.GetOrAdd(interpreter, static name => new Lazy<Task<PythonInterpreter>>(() => DetectAsync(name)));
        var result = await detection.Value.ConfigureAwait(false);
        if (result.TimedOut)
            Detected.TryRemove(new KeyValuePair<string, Lazy<Task<PythonInterpreter>>>(interpreter, detection));
        return result;
    }

    /// <summary>Finds and checks <paramref name="interpreter"/> (a path or a command on PATH).</summary>
    private static async Task<PythonInterpreter> DetectAsync(string interpreter)
    {
        if (OperatingSystem.IsWindows())
            return Unavailable("the python tool needs a POSIX system (it limits memory and CPU with setrlimit)");
        if (FindExecutable(interpreter) is not { } candidate)
            return Unavailable($"'{interpreter}' was not found on PATH");

        var start = new ProcessStartInfo(candidate)
        {
            ArgumentList = { "-I", "-c", ProbeScript },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception exception)
        {
            return Unavailable($"'{candidate}' could not be started: {exception.Message}");
        }
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                string[] lines = (await stdout.ConfigureAwait(false)).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (process.ExitCode != 0 || lines.Length != 3)
                    return Unavailable($"'{candidate}' failed its start-up check: {(await stderr.ConfigureAwait(false)).Trim()}");
                return lines[2] == "1"
                    ? new PythonInterpreter(lines[0], lines[1], "")
                    : Unavailable($"'{candidate}' is Python {lines[1]}; the sandbox needs 3.9 or newer");
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return new PythonInterpreter(null, "", $"'{candidate}' did not answer its start-up check within 30 s", timedOut: true);
            }
        }
    }

    private static PythonInterpreter Unavailable(string reason) => new(null, "", reason);

    private static string? FindExecutable(string interpreter)
    {
        if (interpreter.Contains(Path.DirectorySeparatorChar))
            return File.Exists(interpreter) ? Path.GetFullPath(interpreter) : null;
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, interpreter))
            .FirstOrDefault(File.Exists);
    }
}
