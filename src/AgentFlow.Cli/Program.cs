using System.CommandLine;
using AgentFlow.Cli;

var root = new RootCommand("agentflow: train and run AgentFlow agents with TorchSharp and ML.NET.")
{
    InfoCommand.Create(),
    GenerateCommand.Create(),
    TokenizeCommand.Create(),
};
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or NotSupportedException or InvalidOperationException or UnauthorizedAccessException)
{
    // Problems with what the user gave us: one clear line, no stack trace.
    Console.Error.WriteLine($"agentflow: {e.Message}");
    return 1;
}
