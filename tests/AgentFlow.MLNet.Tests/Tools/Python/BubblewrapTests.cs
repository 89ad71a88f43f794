using AgentFlow.MLNet.Tools.Python;

namespace AgentFlow.MLNet.Tests.Tools.Python;

/// <summary>Which interpreter folders bubblewrap may show to scripts: never one that holds a home or the temporary folder.</summary>
public sealed class BubblewrapTests : IDisposable
{
    private readonly TempFolder _install = new();

    public void Dispose() => _install.Dispose();

    [Fact]
    public void An_interpreter_installed_in_its_own_folder_can_be_shown()
    {
        Directory.CreateDirectory(_install.File("lib"));

        Assert.Equal("", Bubblewrap.FolderProblem([_install.Path, _install.File("lib"), "/usr/lib"]));
        Assert.Equal([_install.Path], Bubblewrap.BindableFolders([_install.File("lib"), _install.Path, "/usr/lib", "relative/lib"]));
    }

    [Fact]
    public void A_folder_holding_the_root_a_home_or_the_temporary_folder_is_refused()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string temp = Path.TrimEndingDirectorySeparator(Path.GetTempPath());

        Assert.Contains("showing that folder to scripts would show", Bubblewrap.FolderProblem(["/"]));
        Assert.Contains($"would show '{home}'", Bubblewrap.FolderProblem([_install.Path, home]));
        Assert.Contains($"would show '{temp}'", Bubblewrap.FolderProblem([temp]));
    }
}
