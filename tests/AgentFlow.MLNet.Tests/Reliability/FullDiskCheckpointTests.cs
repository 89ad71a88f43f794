using System.Diagnostics;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Cli;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// <c>agentflow train</c> on a disk that fills up while it writes a checkpoint: the run stops with an error that
/// says so, the checkpoint before it stays intact, and once space is freed <c>--resume</c> finishes the run with the
/// adapters of a run that never ran out of space.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class FullDiskCheckpointTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public FullDiskCheckpointTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    [SmallDiskFact]
    [Trait("Category", "Long")]
    public void AFullDiskStopsTheRunAndLeavesThePreviousCheckpointToResumeFrom()
    {
        string data = _temp.File("train.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 4).Select(i => $$"""{"question": "What is {{i}} + {{i}}?", "answer": "{{2 * i}}"}"""));
        string program = $"dotnet \"{Path.Combine(AppContext.BaseDirectory, "agentflow.dll")}\"";
        string Flags(string output) => $"train --data \"{data}\" --model tiny --output \"{output}\" --batch-size 2 --num-generations 2 --epochs 2 " +
            "--max-turns 1 --max-completion-tokens 4 --save-steps 1 --seed 3";

        string reference = _temp.File("reference");
        var whole = AgentflowProcess.Run(Flags(reference));
        Assert.True(whole.ExitCode == 0, whole.Error);
        long checkpointBytes = Directory.GetFiles(Path.Combine(reference, "checkpoint-1")).Sum(f => new FileInfo(f).Length);

        // A 16 MiB disk with room for one checkpoint and a half: checkpoint-1 fits, checkpoint-2 runs out of space.
        string disk = _temp.File("disk");
        string report = _temp.File("report");
        Directory.CreateDirectory(disk);
        Directory.CreateDirectory(report);
        long filler = 16L * 1024 * 1024 - checkpointBytes * 3 / 2;
        string run = Path.Combine(disk, "run");
        string script = string.Join("\n",
            "set -u",
            $"mount -t tmpfs -o size=16m tmpfs '{disk}'",
            $"head -c {filler} /dev/zero > '{disk}/filler'",
            $"{program} {Flags(run)} > '{report}/first.out' 2> '{report}/first.err'; echo $? > '{report}/first.rc'",
            $"ls '{run}' > '{report}/after-failure.txt'",
            $"cp '{run}/checkpoint-1/adapter_model.safetensors' '{report}/checkpoint-1.safetensors'",
            $"rm '{disk}/filler'",
            $"{program} {Flags(run)} --resume > '{report}/resume.out' 2> '{report}/resume.err'; echo $? > '{report}/resume.rc'",
            $"cp '{run}/adapter/adapter_model.safetensors' '{report}/final.safetensors'");
        using (var process = Process.Start(new ProcessStartInfo("unshare", ["-rm", "bash", "-c", script]))!)
            Assert.True(process.WaitForExit(300_000), "the full-disk script did not finish in 5 minutes");

        string Read(string name) => File.ReadAllText(Path.Combine(report, name));
        Assert.Equal("1", Read("first.rc").Trim());
        Assert.Contains("No space left on device", Read("first.err"));
        Assert.Contains("checkpoint-1", Read("after-failure.txt"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "checkpoint-1", "adapter_model.safetensors")), File.ReadAllBytes(Path.Combine(report, "checkpoint-1.safetensors")));
        Assert.True(Read("resume.rc").Trim() == "0", Read("resume.err"));
        Assert.Contains("trained 3 steps (to step 4)", Read("resume.out"));   // from checkpoint-1, the one that fitted
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "adapter", "adapter_model.safetensors")), File.ReadAllBytes(Path.Combine(report, "final.safetensors")));
    }
}
