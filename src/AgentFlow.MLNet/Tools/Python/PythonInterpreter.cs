using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// A Python interpreter found and checked once: it must start, be 3.9 or newer (the audit events the sandbox
/// guard relies on) and have the <c>resource</c> module (setrlimit, so POSIX only). The probe also resolves
/// launchers such as pyenv shims to the real executable, which then starts faster and needs no environment, and
/// lists the folders the interpreter loads files from (its prefixes and the shared libraries it has mapped), which
/// are all a sandbox must show it.
/// </summary>
internal sealed record PythonInterpreter
{
    private const string ProbeScript = """
        import os, sys, resource
        print(sys.executable)
        print('%d.%d.%d' % sys.version_info[:3])
        print(int(sys.version_info >= (3, 9)))
        folders = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
        try:
            with open('/proc/self/maps') as maps:
                mapped = (line.split(None, 5) for line in maps)
                folders.update(os.path.dirname(os.path.realpath(m[5].strip())) for m in mapped if len(m) == 6 and m[5].startswith('/'))
        except OSError:
            pass
        print('\n'.join(sorted(folders)))
        """;

    /// <summary>Detections by interpreter name: each is probed once per process, however many tools use it.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<Task<PythonInterpreter>>> Detected = new(StringComparer.Ordinal);

    private PythonInterpreter(string? executablePath, string version, string unavailableReason, bool timedOut = false, IReadOnlyList<string>? folders = null) =>
        (ExecutablePath, Version, UnavailableReason, TimedOut, Folders) = (executablePath, version, unavailableReason, timedOut, folders ?? []);

    /// <summary>True when the probe gave up waiting rather than finding the interpreter unusable.</summary>
    internal bool TimedOut { get; }

    /// <summary>The interpreter's executable, or null when none is usable.</summary>
    internal string? ExecutablePath { get; }

    /// <summary>The interpreter's version, such as 3.11.7; empty when none is usable.</summary>
    internal string Version { get; }

    /// <summary>The absolute folders the interpreter reads its own files from (the probe's view, sorted); empty when none is usable.</summary>
    internal IReadOnlyList<string> Folders { get; }

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
        if (ExecutableSearch.Find(interpreter) is not { } candidate)
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
                if (process.ExitCode != 0 || lines.Length < 4)
                    return Unavailable($"'{candidate}' failed its start-up check: {(await stderr.ConfigureAwait(false)).Trim()}");
                return lines[2] == "1"
                    ? new PythonInterpreter(lines[0], lines[1], "", folders: lines[3..])
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
}
