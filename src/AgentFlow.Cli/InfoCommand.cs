using System.CommandLine;
using System.Runtime.InteropServices;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tools.Python;
using TorchSharp;

namespace AgentFlow.Cli;

/// <summary>
/// <c>agentflow info</c>: what this machine gives AgentFlow (runtime, libtorch, devices, the native fix-up, and the
/// sandbox the python tool runs scripts in with its default options).
/// </summary>
internal static class InfoCommand
{
    internal static Command Create()
    {
        var command = new Command("info", "Show the .NET runtime, the TorchSharp/libtorch build, available devices, the native fix-up report and the python tool's sandbox.");
        command.SetAction(async (_, cancellationToken) =>
        {
            TorchSharpNativeFixup.EnsureTorchLoaded();
            Console.WriteLine($"runtime     {RuntimeInformation.FrameworkDescription} on {RuntimeInformation.RuntimeIdentifier}");
            Console.WriteLine($"torchsharp  {typeof(torch).Assembly.GetName().Version} (libtorch {torch.__version__})");
            Console.WriteLine($"threads     {torch.get_num_threads()} of {Environment.ProcessorCount} cores");
            Console.WriteLine($"cuda        {(torch.cuda.is_available() ? $"available, {torch.cuda.device_count()} device(s)" : "not available")}");
            Console.WriteLine(TorchSharpNativeFixup.EnsureApplied());
            Console.Write(await PythonSandboxCapabilities.DetectAsync(cancellationToken: cancellationToken).ConfigureAwait(false));
            return 0;
        });
        return command;
    }
}
