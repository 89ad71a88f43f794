namespace AgentFlow.MLNet.Tests;

/// <summary>
/// Finds the read-only shared data folder: <c>shared/data</c> beside an ancestor of the test binaries (the
/// repository clone sits next to <c>shared/</c>), or the folder named by <c>AGENTFLOW_SHARED_DATA</c>.
/// </summary>
internal static class SharedData
{
    private const string Variable = "AGENTFLOW_SHARED_DATA";

    private static readonly Lazy<string> Located = new(Locate);

    /// <summary>The shared/data folder path; throws with the places searched when it is absent.</summary>
    public static string Root => Located.Value;

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured)
        {
            return Directory.Exists(configured)
                ? Path.GetFullPath(configured)
                : throw new DirectoryNotFoundException($"{Variable} names {configured}, which is not a folder.");
        }
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "shared", "data");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException(
            $"No shared/data folder beside any ancestor of {AppContext.BaseDirectory}; set {Variable} to its path.");
    }
}
