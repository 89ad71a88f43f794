using System.Diagnostics;
using System.Text;

namespace AgentFlow.MLNet.Tests.Cli;

/// <summary>Runs the built <c>agentflow</c> program (copied beside the tests) as a separate process.</summary>
internal static class AgentflowProcess
{
    internal sealed record Result(int ExitCode, string Output, string Error);

    internal static Result Run(string arguments, string? input = null) =>
        Run(arguments, input is null ? null : new UTF8Encoding(false).GetBytes(input));

    /// <summary>Starts the program without waiting for it, its output discarded (for tests that kill it).</summary>
    internal static Process Start(string arguments)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "agentflow.dll")}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Runs the program and sends it SIGINT (what Ctrl+C sends) once a line of its standard error starts with
    /// <paramref name="marker"/>, so the signal lands while the verb works, after start-up, whatever the machine's speed.
    /// </summary>
    internal static Result RunInterrupted(string arguments, string marker)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "agentflow.dll")}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = new StringBuilder();
        bool signalled = false;
        while (process.StandardError.ReadLine() is { } line)
        {
            error.AppendLine(line);
            if (!signalled && line.StartsWith(marker, StringComparison.Ordinal))
            {
                using var kill = Process.Start("kill", $"-INT {process.Id}");
                kill.WaitForExit();
                signalled = true;
            }
        }
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"agentflow {arguments} did not finish in 120 s.");
        }
        if (!signalled)
            throw new InvalidOperationException($"agentflow {arguments} ended before printing a line starting with '{marker}': {error}");
        return new Result(process.ExitCode, output.Result, error.ToString());
    }

    /// <summary>Runs with <paramref name="input"/> written to standard input byte for byte (it need not be valid UTF-8).</summary>
    internal static Result Run(string arguments, byte[]? input)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "agentflow.dll")}\" {arguments}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
            process.StandardInput.BaseStream.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"agentflow {arguments} did not finish in 120 s.");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
