using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Worlds.Mini;
using Spectre.Console;

namespace QuickStart;

/// <summary>Prints one test question's trajectory before and after training, side by side: the planner's steps, each tool's result, the answer.</summary>
internal static class TrajectoryView
{
    internal static void ShowBeforeAndAfter(MiniEvaluation before, MiniEvaluation after)
    {
        // A question the training fixed, if there is one; otherwise the first question.
        int index = Enumerable.Range(0, before.Questions.Count).FirstOrDefault(i => !before.Correct[i] && after.Correct[i]);
        var question = before.Questions[index];
        AnsiConsole.MarkupLineInterpolated($"[bold]{question.Question}[/]  (gold answer {question.Answer}, {question.Family})");
        var table = new Table().AddColumn("warm start").AddColumn("after Flow-GRPO");
        table.AddRow(Describe(before.Trajectories[index], before.Correct[index]), Describe(after.Trajectories[index], after.Correct[index]));
        AnsiConsole.Write(table);
    }

    private static Markup Describe(Trajectory trajectory, bool correct)
    {
        var lines = new List<string>();
        foreach (var turn in trajectory.Turns)
        {
            lines.Add($"[blue]planner[/] {Markup.Escape(turn.Planner.Output.Replace('\n', ' '))}");
            if (turn.ToolArguments is not null)
                lines.Add($"  [grey]{Markup.Escape(turn.Tool ?? "")}({Markup.Escape(turn.ToolArguments)})[/]");
            string result = turn.ToolOutput ?? turn.Error ?? "";
            lines.Add($"  -> {Markup.Escape(result.Replace('\n', ' ').Trim())}");
        }
        lines.Add($"[bold]answer {Markup.Escape(trajectory.FinalAnswer)}[/] {(correct ? "[green]right[/]" : "[red]wrong[/]")}");
        return new Markup(string.Join("\n", lines));
    }
}
