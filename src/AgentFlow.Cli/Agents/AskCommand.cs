using System.CommandLine;

namespace AgentFlow.Cli.Agents;

/// <summary><c>agentflow ask "QUESTION"</c>: one question through the agent; the trajectory, readably or as JSON.</summary>
internal static class AskCommand
{
    internal static Command Create()
    {
        var question = new Argument<string>("question")
        {
            Description = "The question to solve, or - to read it from standard input (UTF-8; for questions longer than a command line takes).",
        };
        var json = new Option<bool>("--json") { Description = "Print the raw trajectory as JSON (with the planner's token ids and log-probs) instead of text." };
        var arguments = new AgentArguments();
        var command = new Command("ask", "Solve one question with the agent and print its trajectory module by module.") { question, json };
        arguments.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            string text = result.GetValue(question)!;
            if (text == "-")
                text = ReadStandardInput();
            // Checked before the model loads; the agent refuses what else is not a question (a lone surrogate cannot come
            // from a command line or from input decoded as strict UTF-8).
            if (string.IsNullOrWhiteSpace(text))
                throw new ArgumentException($"the question is empty{(text.Length > 0 ? " (only white space)" : "")}");
            using var session = arguments.Open(result);
            var trajectory = await session.Agent.SolveAsync(text, result.GetValue(arguments.Seed), cancellationToken).ConfigureAwait(false);
            Console.Out.Write(result.GetValue(json) ? trajectory.ToJson(includeTokens: true) + Environment.NewLine : TrajectoryText.Render(trajectory));
            if (trajectory.IsInfrastructureFailure)
                Console.Error.WriteLine(ErrorLines.Warning($"a module failed: {TrajectoryText.Line(trajectory.Failure ?? "")}"));
            return trajectory.IsInfrastructureFailure ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Standard input as strict UTF-8, without the one line break that ends a file or an <c>echo</c> (as <c>$(cat file)</c> drops it).</summary>
    private static string ReadStandardInput()
    {
        using var input = new MemoryStream();
        Console.OpenStandardInput().CopyTo(input);
        string text = StrictUtf8.Decode(input.GetBuffer().AsSpan(0, (int)input.Length), "standard input");
        if (text.StartsWith('\uFEFF'))
            text = text[1..];   // a byte-order mark is no part of the question
        return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
    }
}
