using System.CommandLine;
using System.CommandLine.Parsing;

namespace AgentFlow.Cli;

/// <summary>
/// Every error <c>agentflow</c> reports is exactly one line on standard error starting with <c>agentflow: </c>;
/// standard output stays empty, so a pipeline never mistakes an error for output.
/// </summary>
internal static class ErrorLines
{
    private const string Prefix = "agentflow: ";

    /// <summary>The parse errors of <paramref name="parsed"/>, joined, with a pointer to the verb's help.</summary>
    internal static string Usage(ParseResult parsed)
    {
        var messages = parsed.Errors.Select(e => e.Message.TrimEnd('.')).Distinct();
        return $"{Prefix}{OneLine(string.Join("; ", messages))} (see '{CommandPath(parsed.CommandResult)} --help')";
    }

    /// <summary>
    /// <paramref name="error"/>'s message on one line, without the " (Parameter 'x')" an <see cref="ArgumentException"/>
    /// appends: the parameter is an API name a command-line user never typed.
    /// </summary>
    internal static string Failure(Exception error) => Prefix + Message(error);

    /// <summary>An error that is no exception's message, on one line.</summary>
    internal static string Failure(string message) => Prefix + OneLine(message);

    /// <summary><paramref name="error"/>'s message on one line, without the prefix or the parameter name (see <see cref="Failure"/>).</summary>
    internal static string Message(Exception error)
    {
        string message = error.Message;
        if (error is ArgumentException { ParamName: { } parameter })
            message = message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal);
        return OneLine(message);
    }

    /// <summary>The first line of <paramref name="text"/> that is not blank, trimmed (all of it when none is).</summary>
    internal static string FirstLine(string text) =>
        text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? text;

    /// <summary>A warning that does not stop the verb, on one line.</summary>
    internal static string Warning(string message) => $"{Prefix}warning: {OneLine(message)}";

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult current; result = current.Parent)
            names.Add(current.Command is RootCommand ? "agentflow" : current.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}
