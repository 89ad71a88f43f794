using System.CommandLine;
using System.CommandLine.Invocation;
using AgentFlow.Cli;

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
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or NotSupportedException or InvalidOperationException or UnauthorizedAccessException)
{
    // Problems with what the user gave us: one clear line, no stack trace.
    Console.Error.WriteLine(ErrorLines.Failure(e));
    return ExitCodes.Failure;
}
