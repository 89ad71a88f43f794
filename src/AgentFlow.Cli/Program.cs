using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Runtime.InteropServices;
using AgentFlow.Cli;

// Every number agentflow prints (timings, accuracies, rates) reads the same on every machine, as the README shows it
// and as scripts parse it: "1.5 s", never "1,5 s" under a German or French locale.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var root = new RootCommand("agentflow: train and run AgentFlow agents with TorchSharp and ML.NET.")
{
    InfoCommand.Create(),
    GenerateCommand.Create(),
    TokenizeCommand.Create(),
    AgentFlow.Cli.Agents.AskCommand.Create(),
    AgentFlow.Cli.Agents.EvalCommand.Create(),
    AgentFlow.Cli.Agents.TrainCommand.Create(),
    IndexCommand.Create(),
    AgentFlow.Cli.Serve.ServeCommand.Create(),
};
var parsed = root.Parse(args);
// System.CommandLine answers a parse error with the whole help on standard output; a usage error is one line on
// standard error instead. (--help clears parse errors, so "generate --help --temperature abc" still shows help.)
if (parsed.Action is ParseErrorAction)
{
    Console.Error.WriteLine(ErrorLines.Usage(parsed));
    return ExitCodes.Usage;
}
try
{
    // Ctrl+C cancels the verb's token; a verb that has not stopped 10 s later is abandoned with exit code 130 anyway.
    int code = await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(10) });
    if (code == ExitCodes.Cancelled)
        Console.Error.WriteLine(ErrorLines.Failure("cancelled"));
    return code;
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or NotSupportedException or InvalidOperationException or UnauthorizedAccessException)
{
    // Problems with what the user gave us: one clear line, no stack trace.
    Console.Error.WriteLine(ErrorLines.Failure(e));
    return ExitCodes.Failure;
}
catch (OperationCanceledException)
{
    // Ctrl+C (SIGINT) or SIGTERM cancelled the verb's token and the verb stopped: no stack trace, the shell's exit code.
    Console.Error.WriteLine(ErrorLines.Failure("cancelled"));
    return ExitCodes.Cancelled;
}
catch (ExternalException e)
{
    // libtorch's own failures (CUDA out of memory, a kernel error) arrive as ExternalException with its C++ backtrace
    // appended: the first line says what went wrong.
    Console.Error.WriteLine(ErrorLines.Failure($"libtorch failed: {ErrorLines.FirstLine(e.Message)}"));
    return ExitCodes.Failure;
}
