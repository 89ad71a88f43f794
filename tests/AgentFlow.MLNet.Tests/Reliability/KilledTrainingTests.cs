using System.Text.Json;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Cli;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// <c>agentflow train</c> killed with SIGKILL at seeded moments (after some checkpoint, plus a seeded share of a step's
/// time, landing anywhere in the next step or checkpoint write), then resumed: the resumed run ends with the uninterrupted
/// run's adapters and final checkpoint byte for byte, and its metrics.jsonl holds each step once, with the same
/// sampled rollouts (the entropy is a function of the tokens sampled). Whatever the moment, that must
/// hold, so no assertion depends on timing. The untrained tiny model earns no reward through the CLI, so its weights
/// do not move here; that a resumed run whose weights move equals the uninterrupted one is
/// <c>Training/TrainingCheckpointTests.AResumedRunEqualsTheUninterruptedOne</c>, in-process.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class KilledTrainingTests : IDisposable
{
    private const int Steps = 6;
    private readonly TempFolder _temp = new();

    public KilledTrainingTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    [Fact]
    [Trait("Category", "Long")]
    public void ARunKilledAtAnyMomentResumesToTheSameAdaptersAsAnUninterruptedRun()
    {
        string data = _temp.File("train.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 6).Select(i => i % 2 == 0 ? $$"""{"question": "Say nothing {{i}}.", "answer": "nothing"}""" : $$"""{"question": "What is {{i}} + {{i}}?", "answer": "{{2 * i}}"}"""));
        string Flags(string output) => $"train --data \"{data}\" --model tiny --output \"{output}\" --batch-size 2 --num-generations 4 --epochs 2 " +
            "--max-turns 1 --max-completion-tokens 4 --temperature 1 --learning-rate 0.05 --save-steps 1 --seed 3";

        string reference = _temp.File("uninterrupted");
        var whole = AgentflowProcess.Run(Flags(reference));
        Assert.True(whole.ExitCode == 0, whole.Error);
        byte[] expected = File.ReadAllBytes(Path.Combine(reference, "adapter", "adapter_model.safetensors"));
        var expectedSteps = Metrics(reference);
        Assert.Equal(Steps, expectedSteps.Count);

        int killed = 0;
        foreach (int seed in (int[])[1, 2, 3])
        {
            var random = new Random(seed);
            int after = random.Next(2, Steps - 1);
            double stepsLater = random.NextDouble() * 1.5;
            string output = _temp.File($"killed-{seed}");
            TimeSpan delay;
            using (var process = AgentflowProcess.Start(Flags(output)))
            {
                WaitFor(Path.Combine(output, "checkpoint-1"), process);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                WaitFor(Path.Combine(output, $"checkpoint-{after}"), process);
                // A seeded share of this machine's own step time (timed from the first checkpoint, after start-up), so
                // the kill lands inside the next step or two (rollouts, update or checkpoint write) with steps still to run.
                delay = clock.Elapsed / (after - 1) * stepsLater;
                Thread.Sleep(delay);
                if (!process.HasExited)
                {
                    process.Kill();   // SIGKILL on Linux: no handler, no flush
                    killed++;
                }
                process.WaitForExit();
            }

            var resumed = AgentflowProcess.Run(Flags(output) + " --resume");

            Assert.True(resumed.ExitCode == 0, $"seed {seed} (killed {delay.TotalMilliseconds:F0} ms after checkpoint-{after}): {resumed.Error}");
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(output, "adapter", "adapter_model.safetensors")));
            var steps = Metrics(output);
            Assert.Equal(expectedSteps.Select(m => m.Exact), steps.Select(m => m.Exact));
            // A resume that sampled other tokens moves the entropy in the third or fourth digit; rows sharing a decode
            // step differently move it in the ninth.
            Assert.All(expectedSteps.Zip(steps), p => Assert.Equal(p.First.Entropy, p.Second.Entropy, 1e-6));
            string last = $"checkpoint-{Steps}";
            foreach (string file in Directory.GetFiles(Path.Combine(reference, last)).Select(f => Path.GetFileName(f)))
            {
                if (file == "trainer_state.json")
                    Assert.Equal(StateOfTheRun(Path.Combine(reference, last, file)), StateOfTheRun(Path.Combine(output, last, file)));
                else
                    Assert.Equal(File.ReadAllBytes(Path.Combine(reference, last, file)), File.ReadAllBytes(Path.Combine(output, last, file)));
            }
        }
        // A run that finished before its kill resumes trivially; the kills must have landed mid-run.
        Assert.True(killed >= 2, $"only {killed} of the 3 runs were still running when killed");
    }

    /// <summary>Waits until <paramref name="folder"/> exists or the process ends; a minute bounds a hung process.</summary>
    private static void WaitFor(string folder, System.Diagnostics.Process process)
    {
        var bound = System.Diagnostics.Stopwatch.StartNew();
        while (!Directory.Exists(folder) && !process.HasExited)
        {
            Assert.True(bound.Elapsed < TimeSpan.FromMinutes(1), $"{folder} did not appear within a minute");
            Thread.Sleep(10);
        }
    }

    /// <summary>The trainer state without the two options the runs were meant to differ in: where they wrote and whether they resumed.</summary>
    private static string StateOfTheRun(string path)
    {
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var options = state["options"]!.AsObject();
        Assert.True(options.Remove("output_folder") && options.Remove("resume_from_checkpoint"), "the trainer state's options changed shape");
        return state.ToJsonString();
    }

    /// <summary>
    /// Each metrics line without the fields that differ between two uninterrupted runs too: timings, memory, and the
    /// log-prob drift (sampling-time against update-time log-probs, whose last bits depend on which rows shared a
    /// decode step); the entropy, whose last bits depend on that too, apart. The step numbers must count up from 1
    /// without gaps or repeats.
    /// </summary>
    private static List<(string Exact, double Entropy)> Metrics(string output)
    {
        string[] measured = ["rollout_seconds", "update_tokens_per_second", "step_seconds", "peak_working_set_bytes", "working_set_bytes", "managed_heap_bytes", "log_prob_drift", "entropy"];
        var lines = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(1, lines.Count), lines.Select(l => l.GetProperty("step").GetInt32()));
        return [.. lines.Select(l => (string.Join(",", l.EnumerateObject().Where(p => !measured.Contains(p.Name)).Select(p => $"{p.Name}={p.Value.GetRawText()}")), l.GetProperty("entropy").GetDouble()))];
    }
}
