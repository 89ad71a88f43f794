using System.CommandLine;

namespace AgentFlow.Cli.Agents;

/// <summary><c>agentflow ask "QUESTION"</c>: one question through the agent; the trajectory, readably or as JSON.</summary>
internal static class AskCommand
{
    internal static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The question to solve." };
        var json = new Option<bool>("--json") { Description = "Print the raw trajectory as JSON (with the planner's token ids and log-probs) instead of text." };
        var arguments = new AgentArguments();
        var command = new Command("ask", "Solve one question with the agent and print its trajectory module by module.") { question, json };
        arguments.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            string text = result.GetValue(question)!;
            if (string.IsNullOrWhiteSpace(text))
                throw new ArgumentException("the question is empty");
            using var session = arguments.Open(result);
            var trajectory = await session.Agent.SolveAsync(text, result.GetValue(arguments.Seed), cancellationToken).ConfigureAwait(false);
            Console.Out.Write(result.GetValue(json) ? trajectory.ToJson(includeTokens: true) + Environment.NewLine : TrajectoryText.Render(trajectory));
            if (trajectory.IsInfrastructureFailure)
                Console.Error.WriteLine(ErrorLines.Warning($"a module failed: {trajectory.Failure}"));
            return trajectory.IsInfrastructureFailure ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }
}
