using System.CommandLine;
using AgentFlow.Cli;

var root = new RootCommand("agentflow: train and run AgentFlow agents with TorchSharp and ML.NET.")
{
    InfoCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
