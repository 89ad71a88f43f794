// AgentFlow Mini quick start: a tiny agent learns to plan with Flow-GRPO on this machine's CPU, in minutes.
// It builds the Mini world, warm-starts a tiny model on a teacher's (imperfect) plans, measures it on the test split,
// trains the planner with Flow-GRPO while showing live progress, measures again, shows one question before and after,
// saves the curves as a PNG and the trained model, and ends with the two accuracies. It runs on the ML.NET surface:
// Transforms.AgentFlow applies the warm start, Trainers.FlowGrpo trains it, Model.SaveAgentFlow saves the result.
//   dotnet run --project samples/QuickStart -c Release                      the run shown in the README
//   dotnet run --project samples/QuickStart -c Release -- --lr 0            the control: the same run, no learning
//   options: --lr X  --temperature T (rollouts)  --seed N (Flow-GRPO sampling and adapters)  --world-seed N  --epochs N
//            --out DIR (default quickstart-output; with --out, DIR/training also keeps metrics.jsonl and checkpoints)
using System.Diagnostics;
using System.Globalization;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Training;
using AgentFlow.MLNet.Worlds.Mini;
using QuickStart;
using Spectre.Console;

// Accuracies and timings print the same under every locale ("99.0%", never "99,0%"), as the README shows them.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
TorchSharpNativeFixup.EnsureTorchLoaded();
var arguments = QuickStartArguments.Parse(args);
var clock = Stopwatch.StartNew();
var defaults = new MiniQuickStartOptions();
var options = defaults with
{
    World = defaults.World with { Seed = arguments.WorldSeed },
    Training = defaults.Training with
    {
        LearningRate = arguments.LearningRate ?? defaults.Training.LearningRate,
        Temperature = arguments.Temperature ?? defaults.Training.Temperature,
        NumTrainEpochs = arguments.Epochs ?? defaults.Training.NumTrainEpochs,
        Seed = arguments.Seed,
        // With --out the trainer also keeps metrics.jsonl and its checkpoints, beside the warm start and the model.
        OutputFolder = arguments.OutputFolder is { } folder ? Path.Combine(folder, "training") : null,
    },
};

string output = arguments.OutputFolder ?? Path.Combine(Environment.CurrentDirectory, "quickstart-output");
if (options.Training.OutputFolder is { } training && Directory.Exists(training) && Directory.EnumerateFileSystemEntries(training).Any())
{
    // Said now rather than after the warm start: the trainer refuses a folder that holds a run.
    Console.Error.WriteLine($"quickstart: {training} already holds a training run; give --out a new folder.");
    Environment.ExitCode = 1;
    return;
}
AnsiConsole.Write(new Rule("[bold]AgentFlow Mini[/]: Flow-GRPO on a CPU"));
MiniQuickStart run = null!;
await AnsiConsole.Status().StartAsync("Building the world and warm-starting the tiny model on the teacher's plans...", async _ => run = await MiniQuickStart.PrepareAsync(options, output));
using var quickStart = run;
var world = run.World;
AnsiConsole.MarkupLineInterpolated($"World (seed {world.Options.Seed}): {world.Entities.Count} encyclopedia entries; {world.Train.Count} train / {world.Validation.Count} validation / {world.Test.Count} test questions (search, math, multi-hop), no entity shared.");
AnsiConsole.MarkupLineInterpolated($"Warm start: {run.Demonstrations} teacher plans (wrong tool {options.Teacher.PlainMistakeRate:P0} of the time on plain phrasings, {options.Teacher.MisleadingMistakeRate:P0} on misleading ones), {run.WarmStartLosses.Count} SFT steps in {run.WarmStartTime.TotalSeconds:F0} s, loss {run.WarmStartLosses.FirstOrDefault():F2} -> {run.WarmStartLosses.LastOrDefault():F3}; saved to {run.WarmStartFolder}.");

// Before: the warm start as it is, applied with Transforms.AgentFlow.
MiniEvaluation before;
using (var warmStart = run.WarmStart())
    before = run.Evaluate(warmStart, world.Test);
AnsiConsole.MarkupLineInterpolated($"Warm start on the test split: [bold]{before.Accuracy:P1}[/] ({Families(before)}).");

// Training: the Flow-GRPO estimator fitted on the training split, validated on the validation split.
var metrics = new List<FlowGrpoStepMetrics>();
int totalSteps = (world.Train.Count + options.Training.BatchSize - 1) / options.Training.BatchSize * options.Training.NumTrainEpochs;
AgentFlowTransformer trained = null!;
await AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
    .StartAsync(async context =>
    {
        var task = context.AddTask($"Flow-GRPO (learning rate {options.Training.LearningRate?.ToString(CultureInfo.InvariantCulture)})", maxValue: totalSteps);
        var estimator = run.FlowGrpo(options.Training, new ImmediateProgress<FlowGrpoStepMetrics>(m =>
        {
            metrics.Add(m);
            task.Description = StepLine(m, metrics);
            task.Increment(1);
        }));
        trained = await Task.Run(() => estimator.Fit(run.Data(world.Train)));
    });
using var model = trained;
AnsiConsole.WriteLine(StepLine(metrics[^1], metrics));

var after = run.Evaluate(model, world.Test);
AnsiConsole.MarkupLineInterpolated($"After Flow-GRPO on the test split: [bold]{after.Accuracy:P1}[/] ({Families(after)}).");
TrajectoryView.ShowBeforeAndAfter(before, after);

string png = CurvePlot.Save(metrics, before.Accuracy, after.Accuracy, Path.Combine(output, "curves.png"));
string saved = Path.Combine(output, "model.zip");
run.MLContext.Model.SaveAgentFlow(model, run.Data(world.Test).Schema, saved);
AnsiConsole.MarkupLineInterpolated($"Curves: {png}; trained model (ML.NET zip, LoadAgentFlow reads it): {saved}; {clock.Elapsed.TotalSeconds:F0} s in all.");
Console.WriteLine($"warm-start accuracy: {before.Accuracy * 100:F1}%  Flow-GRPO accuracy: {after.Accuracy * 100:F1}%");

static string Families(MiniEvaluation evaluation) =>
    string.Join(", ", evaluation.AccuracyByFamily.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value:P0}"));

static string StepLine(FlowGrpoStepMetrics m, IReadOnlyList<FlowGrpoStepMetrics> all)
{
    double recent = all.TakeLast(10).Average(s => s.RewardMean);
    string validation = all.LastOrDefault(s => double.IsFinite(s.ValidationAccuracy ?? double.NaN))?.ValidationAccuracy is double v ? $"{v:P0}" : "-";
    double tokensPerSecond = m.RolloutSeconds > 0 ? m.RolloutTokens / m.RolloutSeconds : double.NaN;
    return string.Create(CultureInfo.InvariantCulture, $"step {m.Step,3}  reward {m.RewardMean:F2} (last 10: {recent:F2})  val acc {validation}  KL {m.Kl:F4}  {tokensPerSecond:F0} tok/s");
}
