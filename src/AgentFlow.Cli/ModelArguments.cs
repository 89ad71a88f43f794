using System.CommandLine;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Native;

namespace AgentFlow.Cli;

/// <summary>
/// The <c>--model</c>, <c>--dtype</c> and <c>--device</c> flags the verbs that run a local model share. <c>--model tiny</c>
/// is the built-in tiny model (seed 1, untrained), so every verb can be tried with nothing downloaded.
/// </summary>
internal sealed class ModelArguments
{
    /// <summary>The <c>--model</c> value that names the built-in tiny model.</summary>
    internal const string Tiny = "tiny";

    internal ModelArguments()
    {
        Model = new Option<string>("--model") { Description = $"Hugging Face model folder, .gguf file, or '{Tiny}' for the built-in untrained tiny model (float32, whatever --dtype says).", Required = true };
        DType = CliOptions.Text("--dtype", "Compute dtype: float32, bfloat16 or float16.",
            "float32, bfloat16 or float16", value => CliOptions.DType(value) is not null, "float32");
        Device = CliOptions.Text("--device", "auto, cpu, cuda or cuda:N.", "auto, cpu, cuda or cuda:N", CliOptions.IsDevice, "auto");
    }

    internal Option<string> Model { get; }

    internal Option<string> DType { get; }

    internal Option<string> Device { get; }

    internal IEnumerable<Option> All => [Model, DType, Device];

    /// <summary>The name the model is reported under: the file or folder name, or <c>tiny</c>.</summary>
    internal static string NameOf(string model) =>
        model == Tiny ? Tiny : Path.GetFileName(Path.TrimEndingDirectorySeparator(model));

    /// <summary>Loads the model the flags name, printing what loading tolerated as warnings on standard error.</summary>
    internal LocalModel Load(ParseResult result)
    {
        string model = result.GetValue(Model)!;
        TorchSharpNativeFixup.EnsureTorchLoaded();
        var device = ComputeDevice.Resolve(result.GetValue(Device)!);
        if (model == Tiny)
            return TinyModel.Create(new TinyModelOptions { Seed = 1, Device = device });
        var local = LocalModel.Load(InputPaths.RequireExisting("--model", model),
            new ModelLoadOptions { DType = CliOptions.DType(result.GetValue(DType)!)!.Value, Device = device });
        foreach (string warning in local.Warnings)
            Console.Error.WriteLine(ErrorLines.Warning(warning));
        return local;
    }
}
