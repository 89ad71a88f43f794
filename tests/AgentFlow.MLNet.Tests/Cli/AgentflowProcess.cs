using System.Diagnostics;
using System.Text;

namespace AgentFlow.MLNet.Tests.Cli;

/// <summary>Runs the built <c>agentflow</c> program (copied beside the tests) as a separate process.</summary>
internal static class AgentflowProcess
{
    internal sealed record Result(int ExitCode, string Output, string Error);

    internal static Result Run(string arguments, string? input = null)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "agentflow.dll")}\" {arguments}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start)!;
        if (input is not null)
            process.StandardInput.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"agentflow {arguments} did not finish in 120 s.");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
