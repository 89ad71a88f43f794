using System.Diagnostics;
using System.Text.Json;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Perf;

/// <summary>
/// perf/pytorch/eager.py, the PyTorch network the side-by-side figures are timed on, is an independent Qwen2 written
/// from Hugging Face's definition. Where Debian's python3-torch is installed this runs it on the suites' exported
/// models: its logits must equal ours, so our decoder agrees with a second implementation and the ratios compare one
/// network. Skipped, saying so, where PyTorch is absent (CI does not install it).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PyTorchTwinTests
{
    [PyTorchFact]
    public void The_pytorch_twin_gives_our_logits_on_the_exported_benchmark_models()
    {
        string folder = Directory.CreateTempSubdirectory("agentflow-pytorch-twin-").FullName;
        try
        {
            string[] sizes = ["QuickStart", "1M"];
            BenchmarkModelExport.Write(folder, sizes);
            var start = new ProcessStartInfo(PyTorchFactAttribute.Python)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList = { Path.Combine(AppContext.BaseDirectory, "pytorch", "eager.py"), folder, "--parity-only", "--threads", "1", "--sizes", string.Join(',', sizes) },
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, error);

            var parity = JsonDocument.Parse(output.Result).RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(sizes, parity.Select(r => r.GetProperty("model").GetString()));
            Assert.All(parity, r => Assert.InRange(r.GetProperty("max_abs_logit_difference").GetDouble(), 0, 1e-4));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>Runs only where Debian's python3 can import torch (<c>apt-get install python3-torch</c>); skipped, saying so, elsewhere.</summary>
public sealed class PyTorchFactAttribute : FactAttribute
{
    /// <summary>Debian's interpreter, the one python3-torch installs into.</summary>
    internal const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> HasTorch = new(() =>
    {
        if (!File.Exists(Python))
            return false;
        using var process = Process.Start(new ProcessStartInfo(Python, ["-c", "import torch"]) { RedirectStandardError = true })!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    });

    public PyTorchFactAttribute() => Skip = HasTorch.Value ? null : $"{Python} cannot import torch (Debian's python3-torch is not installed)";
}
