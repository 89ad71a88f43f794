using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// A bubblewrap (<c>bwrap</c>) program, and the command line that runs one script inside it: every namespace
/// unshared (user, pid, network, mount, IPC, UTS, cgroup), the interpreter as pid 1 of its own pid namespace so
/// that the kernel kills every process of the run when it ends, no capabilities, uid 1000, a new session, a
/// read-only root that shows only <c>/usr</c> (with the merged-usr links), the dynamic linker's cache and the
/// interpreter's own folders, a private <c>/proc</c> and minimal <c>/dev</c>, and the working folder as a
/// size-capped tmpfs, the one writable place. The seccomp filter, when given, arrives on standard input.
/// </summary>
internal sealed partial class Bubblewrap
{
    /// <summary>The oldest release with <c>--size</c>, which caps the working folder's tmpfs.</summary>
    internal static readonly Version MinimumVersion = new(0, 7, 0);

    /// <summary>The uid and gid the script runs as inside its user namespace: anything but root.</summary>
    internal const int SandboxId = 1000;

    // Top-level folders of the host's system image; on merged-usr systems all but /usr are links into it.
    private static readonly string[] SystemFolders = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    private Bubblewrap(string path, Version version) => (ExecutablePath, Version) = (path, version);

    /// <summary>The program's absolute path.</summary>
    internal string ExecutablePath { get; }

    /// <summary>Its release, from <c>bwrap --version</c>.</summary>
    internal Version Version { get; }

    /// <summary>Finds <paramref name="command"/> (a path or a command on PATH) and reads its version.</summary>
    /// <returns>The program, or null and why it cannot be used.</returns>
    internal static async Task<(Bubblewrap? Found, string Problem)> FindAsync(string command, CancellationToken cancellationToken)
    {
        if (ExecutableSearch.Find(command) is not { } path)
            return (null, command.Contains('/', StringComparison.Ordinal)
                ? $"bubblewrap was not found at '{command}'"
                : $"bubblewrap ('{command}') was not found on PATH; install the 'bubblewrap' package");
        var start = new ProcessStartInfo(path) { ArgumentList = { "--version" }, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        try
        {
            using var process = Process.Start(start)!;
            string output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (VersionNumber().Match(output) is not { Success: true } match)
                return (null, $"'{path} --version' printed no version: '{output.Trim()}'");
            var version = Version.Parse(match.Value);
            return version < MinimumVersion
                ? (null, $"bubblewrap {version} at '{path}' is older than {MinimumVersion.ToString(3)}, the first with --size to cap the working folder")
                : (new Bubblewrap(path, version), "");
        }
        catch (Win32Exception exception)
        {
            return (null, $"'{path}' could not be started: {exception.Message}");
        }
    }

    /// <summary>
    /// Why <paramref name="folders"/> (the interpreter's own) cannot be shown to scripts, or empty when they can:
    /// a folder that holds the root, a home, the temporary folder or a system folder of secrets would expose it.
    /// </summary>
    internal static string FolderProblem(IEnumerable<string> folders)
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string[] guarded = ["/etc", "/home", "/root", "/proc", "/sys", "/dev", "/run", "/var", Path.TrimEndingDirectorySeparator(Path.GetTempPath()), home];
        foreach (string folder in BindableFolders(folders))
        {
            if (guarded.FirstOrDefault(secret => secret.Length > 0 && IsWithin(secret, folder)) is { } exposed)
                return $"the interpreter loads files from '{folder}', and showing that folder to scripts would show '{exposed}'";
        }
        return "";
    }

    /// <summary>The arguments of one run, up to and including the <c>--</c> before the interpreter's command line.</summary>
    /// <param name="interpreterFolders">The interpreter's own folders (<see cref="PythonInterpreter.Folders"/>).</param>
    /// <param name="workFolder">The host folder holding the script; inside, a tmpfs of <paramref name="workFolderBytes"/> at the same path.</param>
    /// <param name="scriptName">The script's file name inside <paramref name="workFolder"/>, bound read-only into the tmpfs.</param>
    /// <param name="workFolderBytes">The tmpfs's size.</param>
    /// <param name="syscallFilterOnStandardInput">Whether bubblewrap reads a seccomp program from its standard input.</param>
    internal IReadOnlyList<string> Arguments(IEnumerable<string> interpreterFolders, string workFolder, string scriptName, long workFolderBytes, bool syscallFilterOnStandardInput)
    {
        string id = SandboxId.ToString(CultureInfo.InvariantCulture);
        List<string> arguments =
        [
            "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--as-pid-1", "--cap-drop", "ALL",
            "--uid", id, "--gid", id, "--hostname", "agentflow",
        ];
        // 0.8 added --disable-userns; before it the seccomp filter's refusal of unshare and setns does the same job.
        if (Version >= new Version(0, 8, 0))
            arguments.Add("--disable-userns");
        foreach (string folder in SystemFolders)
        {
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is { } target)
                arguments.AddRange(["--symlink", target, folder]);
            else if (info.Exists)
                arguments.AddRange(["--ro-bind", folder, folder]);
        }
        if (File.Exists("/etc/ld.so.cache"))
            arguments.AddRange(["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]);
        foreach (string folder in BindableFolders(interpreterFolders))
            arguments.AddRange(["--ro-bind", folder, folder]);
        string script = Path.Combine(workFolder, scriptName);
        arguments.AddRange(
        [
            "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
            "--size", workFolderBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", workFolder,
            "--ro-bind", script, script,
            "--remount-ro", "/", "--chdir", workFolder,
        ]);
        if (syscallFilterOnStandardInput)
            arguments.AddRange(["--seccomp", "0"]);
        arguments.Add("--");
        return arguments;
    }

    /// <summary>The interpreter's folders that the system binds do not already show, without ones inside others.</summary>
    internal static IEnumerable<string> BindableFolders(IEnumerable<string> folders)
    {
        var outside = folders
            .Where(folder => Path.IsPathFullyQualified(folder) && Directory.Exists(folder))
            .Select(folder => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)))
            .Where(folder => !SystemFolders.Any(system => IsWithin(folder, system)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return outside.Where(folder => !outside.Any(other => other != folder && IsWithin(folder, other))).Order(StringComparer.Ordinal);
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies inside it.</summary>
    private static bool IsWithin(string path, string folder) =>
        folder == "/" || path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal);

    [GeneratedRegex(@"\d+\.\d+(\.\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex VersionNumber();
}
