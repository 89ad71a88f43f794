namespace AgentFlow.Cli;

/// <summary>Checks the paths given on the command line before anything tries to read them.</summary>
internal static class InputPaths
{
    /// <summary>
    /// <paramref name="path"/> when a file or folder is there; otherwise a <see cref="FileNotFoundException"/> naming
    /// the flag, so the user reads "--model /nope: no such file or folder" rather than what a loader deep inside
    /// looked for first.
    /// </summary>
    internal static string RequireExisting(string flag, string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"{flag} {path}: no such file or folder", path);
        return path;
    }
}
