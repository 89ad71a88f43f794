using System.Globalization;
using AgentFlow.MLNet.Training;
using Spectre.Console;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// <c>train</c>'s progress on standard error: one line per step always (so a log or a pipe keeps every step), and,
/// when standard error is a terminal, a live Spectre.Console bar under them with the step, the reward, accuracy, KL,
/// the planner's tokens/s and the time left.
/// </summary>
internal static class TrainingProgress
{
    /// <summary>
    /// Runs <paramref name="train"/> with a progress sink that reports each step as it ends, in order. When
    /// <paramref name="resuming"/>, the first step's number is the checkpoint's next, known once the trainer has read it.
    /// </summary>
    internal static async Task<T> RunAsync<T>(int totalSteps, bool resuming, Func<IProgress<FlowGrpoStepMetrics>, Task<T>> train)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected || !console.Profile.Capabilities.Interactive)
            return await train(new StepReporter(step => Console.Error.WriteLine(Line(step)))).ConfigureAwait(false);

        T result = default!;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(resuming ? "Flow-GRPO: resuming from the newest checkpoint" : "Flow-GRPO: rolling out step 1", maxValue: totalSteps);
                result = await train(new StepReporter(step =>
                {
                    console.WriteLine(Line(step));
                    task.Description = Markup.Escape(Summary(step, totalSteps));
                    task.Value = step.Step;
                })).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary>The step's line: what a log keeps.</summary>
    internal static string Line(FlowGrpoStepMetrics step)
    {
        string validation = step.ValidationAccuracy is double v ? string.Create(CultureInfo.InvariantCulture, $", validation {v:P1}") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"step {step.Step} (epoch {step.Epoch + 1}): reward {step.RewardMean:F3}, accuracy {step.Accuracy:P1}, loss {step.Loss:F4}, kl {step.Kl:E2}, |grad| {step.GradNorm:F3}, turns {step.MeanTurns:F2}, {TokensPerSecond(step):F0} tok/s, {step.StepSeconds:F1} s{validation}");
    }

    private static string Summary(FlowGrpoStepMetrics step, int totalSteps) => string.Create(CultureInfo.InvariantCulture,
        $"step {step.Step}/{totalSteps}  reward {step.RewardMean:F2}  acc {step.Accuracy:P0}  KL {step.Kl:F4}  {TokensPerSecond(step):F0} tok/s");

    private static double TokensPerSecond(FlowGrpoStepMetrics step) => step.RolloutSeconds > 0 ? step.RolloutTokens / step.RolloutSeconds : 0;

    /// <summary>Reports on the trainer's thread, in order (<see cref="Progress{T}"/> would post to the thread pool and could reorder steps).</summary>
    private sealed class StepReporter(Action<FlowGrpoStepMetrics> report) : IProgress<FlowGrpoStepMetrics>
    {
        public void Report(FlowGrpoStepMetrics value) => report(value);
    }
}
