using System.Text.Json;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Python;

namespace AgentFlow.MLNet.Tests.Tools.Python;

/// <summary>Runs scripts through the real python tool, and looks for processes of the host by a marker.</summary>
internal static class PythonRuns
{
    /// <summary>
    /// Small limits keep runs quick; the timeout is generous so that a machine busy with other tests cannot fail
    /// a run that should succeed (tests of the timeout set their own).
    /// </summary>
    internal static readonly PythonToolOptions Small = new()
    {
        Timeout = TimeSpan.FromSeconds(20),
        MemoryLimitBytes = 256L << 20,
        MaxOutputBytes = 4096,
        AllowGuardOnly = true,
    };

    /// <summary>The kernel boundary without the guard: what bubblewrap and the seccomp filter hold by themselves.</summary>
    internal static readonly PythonToolOptions KernelOnly = Small with { Layers = PythonSandboxLayers.Namespaces | PythonSandboxLayers.SyscallFilter };

    /// <summary>Bubblewrap's namespaces alone, with fork allowed, to show the pid namespace ends every process.</summary>
    internal static readonly PythonToolOptions NamespacesOnly = Small with { Layers = PythonSandboxLayers.Namespaces };

    /// <summary>The audit-hook guard alone, as on a host without a kernel boundary.</summary>
    internal static readonly PythonToolOptions GuardOnly = Small with { Layers = PythonSandboxLayers.AuditGuard };

    internal static ValueTask<ToolResult> RunAsync(PythonToolOptions options, string code) =>
        new PythonTool(options).InvokeAsync(JsonSerializer.SerializeToElement(new { code }));

    /// <summary>The host's processes whose command line contains <paramref name="marker"/>.</summary>
    internal static IReadOnlyList<int> ProcessesWithMarker(string marker)
    {
        var found = new List<int>();
        foreach (string folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out int pid))
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(folder, "cmdline")).Contains(marker, StringComparison.Ordinal))
                    found.Add(pid);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }
        return found;
    }
}

/// <summary>A <c>sleep 60</c> process of the host for scripts to aim at; killed on dispose.</summary>
internal sealed class Sleeper : IDisposable
{
    internal Sleeper(params (string Name, string Value)[] environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo("sleep", "60") { UseShellExecute = false };
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        Process = System.Diagnostics.Process.Start(start)!;
    }

    internal System.Diagnostics.Process Process { get; }

    internal int Id => Process.Id;

    internal bool HasExited => Process.HasExited;

    public void Dispose()
    {
        if (!Process.HasExited)
            Process.Kill();
        Process.Dispose();
    }
}
