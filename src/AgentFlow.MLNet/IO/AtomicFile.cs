namespace AgentFlow.MLNet.IO;

/// <summary>
/// Replaces files by writing a temporary sibling and renaming it over the target, so a reader (or a
/// crash) never sees a half-written file, and a hard-linked target (for example a build output linked
/// to the NuGet cache) gets a new inode instead of having the shared bytes changed under it.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/>, keeping the target's Unix permissions.</summary>
    internal static void WriteAllBytes(string path, byte[] contents) => Write(path, stream => stream.Write(contents));

    /// <summary>
    /// Streams a new file through <paramref name="write"/> into a temporary sibling of <paramref name="path"/>,
    /// flushes it to disk and renames it over <paramref name="path"/>. If <paramref name="write"/> throws, the
    /// target is untouched and the temporary file is removed.
    /// </summary>
    internal static void Write(string path, Action<Stream> write)
    {
        string temporary = TemporarySibling(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            Replace(temporary, path);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    private static string TemporarySibling(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    private static void Replace(string temporary, string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
            File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
        File.Move(temporary, path, overwrite: true);
    }
}
