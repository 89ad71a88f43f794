namespace AgentFlow.MLNet.Native;

/// <summary>Finds the files the current Linux process has mapped (its loaded shared objects).</summary>
internal static class ProcessMappings
{
    private const string DeletedMarker = " (deleted)";

    /// <summary>
    /// The path of the first mapped file whose name starts with <paramref name="fileNamePrefix"/>,
    /// read from <c>/proc/self/maps</c>; null when none is mapped.
    /// </summary>
    internal static string? FindLoaded(string fileNamePrefix)
    {
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            // address perms offset dev inode pathname — the path is the sixth field and may hold spaces.
            int slash = line.IndexOf('/');
            if (slash < 0)
                continue;
            // A file replaced after it was mapped shows as "path (deleted)"; the mapping is still that path's old contents.
            string path = line[slash..].Trim();
            if (path.EndsWith(DeletedMarker, StringComparison.Ordinal))
                path = path[..^DeletedMarker.Length];
            if (Path.GetFileName(path).StartsWith(fileNamePrefix, StringComparison.Ordinal))
                return path;
        }
        return null;
    }
}
