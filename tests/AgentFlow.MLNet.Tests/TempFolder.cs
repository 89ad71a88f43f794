namespace AgentFlow.MLNet.Tests;

/// <summary>A fresh temporary folder, deleted with its contents on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("agentflow-tests-").FullName;

    /// <summary>The path of <paramref name="name"/> inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
