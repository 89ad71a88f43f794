using System.Diagnostics;
using System.Text;

namespace AgentFlow.MLNet.Tests.Samples;

/// <summary>Runs a sample's built program (copied beside the tests) as its own process, as a user runs it.</summary>
internal static class SampleProcess
{
    internal sealed record Result(int ExitCode, string Output, string Error);

    /// <param name="program">The sample's assembly name, e.g. <c>Consume</c>.</param>
    /// <param name="workingFolder">The folder it runs in (relative paths and default outputs land there).</param>
    /// <param name="arguments">Its command line.</param>
    /// <param name="input">Written to standard input, which is then closed; null leaves standard input empty but redirected.</param>
    /// <param name="environment">Variables added to its environment.</param>
    internal static Result Run(string program, string workingFolder, IEnumerable<string> arguments, string? input = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingFolder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        // Tiny models gain nothing from intra-op threads, and the tests run beside each other: one thread each keeps
        // libtorch from oversubscribing the cores (as the README snippet tests do).
        start.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, program + ".dll"));
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
            process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(180_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 180 s.");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
