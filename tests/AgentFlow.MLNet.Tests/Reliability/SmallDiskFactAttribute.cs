using System.Diagnostics;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// A fact that needs a small disk of its own: a tmpfs mounted in a user and mount namespace (<c>unshare -rm</c>), so
/// no root and no host mount is touched. Skipped, saying why, on hosts where unprivileged namespaces are off.
/// </summary>
public sealed class SmallDiskFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> SkipReason = new(Probe);

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when no tmpfs can be mounted.</summary>
    public SmallDiskFactAttribute() => Skip = SkipReason.Value;

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
            return "a small disk is made with a Linux mount namespace";
        string folder = Path.Combine(Path.GetTempPath(), "agentflow-tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var start = new ProcessStartInfo("unshare", ["-rm", "sh", "-c", $"mount -t tmpfs -o size=1m tmpfs '{folder}'"]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"cannot mount a tmpfs in a user namespace (unshare -rm): {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"unshare is not available: {e.Message}";
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
