using AgentFlow.MLNet.Tools.Python;

namespace AgentFlow.MLNet.Tests.Cli;

/// <summary><c>agentflow info</c> runs as its own process and must say what the library itself detects.</summary>
public sealed class InfoCommandTests
{
    [Fact]
    public async Task Info_reports_the_python_tools_sandbox_as_the_library_detects_it()
    {
        var expected = await PythonSandboxCapabilities.DetectAsync();

        var result = AgentflowProcess.Run("info");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected.ToString(), result.Output.ReplaceLineEndings("\n"));
        Assert.Contains(expected.Mode == PythonSandboxMode.Bubblewrap ? "scripts run inside bubblewrap" : "python tool: disabled", result.Output);
    }
}
