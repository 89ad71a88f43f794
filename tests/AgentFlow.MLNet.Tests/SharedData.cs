namespace AgentFlow.MLNet.Tests;

/// <summary>
/// The read-only real data shared beside the repository (benchmarks, tokenizers): <c>AGENTFLOW_SHARED_DATA</c>, or
/// the <c>shared/data</c> folder beside the nearest ancestor of the test binaries that has one.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> RootFolder = new(Locate);

    /// <summary>The <c>shared/data</c> folder.</summary>
    public static string Root => RootFolder.Value;

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("AGENTFLOW_SHARED_DATA") is { Length: > 0 } configured)
        {
            return Directory.Exists(configured)
                ? configured
                : throw new DirectoryNotFoundException($"AGENTFLOW_SHARED_DATA is '{configured}', which is not a folder.");
        }
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "shared", "data");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException(
            $"No shared/data folder beside any ancestor of '{AppContext.BaseDirectory}'; set AGENTFLOW_SHARED_DATA to its path.");
    }
}
