using AgentFlow.MLNet.Training;

namespace QuickStart;

/// <summary>The training curves as a PNG: rollout reward per step (and its running mean), validation accuracy, and the test accuracy before and after.</summary>
internal static class CurvePlot
{
    internal static string Save(IReadOnlyList<FlowGrpoStepMetrics> metrics, double testBefore, double testAfter, string path)
    {
        var plot = new ScottPlot.Plot();
        double[] steps = [.. metrics.Select(m => (double)m.Step)];
        double[] rewards = [.. metrics.Select(m => m.RewardMean)];
        double[] smoothed = [.. rewards.Select((_, i) => rewards.Skip(Math.Max(0, i - 9)).Take(Math.Min(10, i + 1)).Average())];
        var raw = plot.Add.Scatter(steps, rewards);
        raw.LegendText = "rollout reward";
        raw.MarkerSize = 3;
        raw.LineWidth = 1;
        var mean = plot.Add.Scatter(steps, smoothed);
        mean.LegendText = "reward, mean of last 10 steps";
        mean.LineWidth = 3;
        mean.MarkerSize = 0;
        var validated = metrics.Where(m => m.ValidationAccuracy is double v && double.IsFinite(v)).ToList();
        if (validated.Count > 0)
        {
            var validation = plot.Add.Scatter(validated.Select(m => (double)m.Step).ToArray(), validated.Select(m => m.ValidationAccuracy!.Value).ToArray());
            validation.LegendText = "validation accuracy (greedy)";
            validation.MarkerSize = 6;
        }
        var test = plot.Add.Scatter(new double[] { 0, steps.Length == 0 ? 1 : steps[^1] }, new[] { testBefore, testAfter });
        test.LegendText = "test accuracy: warm start, after Flow-GRPO";
        test.MarkerSize = 9;
        test.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Axes.SetLimitsY(0, 1);
        plot.XLabel("Flow-GRPO step");
        plot.YLabel("reward / accuracy");
        plot.Title("AgentFlow Mini: the planner learns");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, 800, 450);
        return path;
    }
}
