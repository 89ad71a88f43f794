namespace AgentFlow.MLNet.Tools.Python;

/// <summary>Finds a program the way a shell does: a name with a slash is a path, anything else is looked up on PATH.</summary>
internal static class ExecutableSearch
{
    /// <summary>The program's absolute path, or null when it does not exist.</summary>
    internal static string? Find(string command)
    {
        if (command.Contains(Path.DirectorySeparatorChar))
            return File.Exists(command) ? Path.GetFullPath(command) : null;
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, command))
            .FirstOrDefault(File.Exists);
    }
}
