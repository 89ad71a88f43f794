namespace AgentFlow.Cli.Serve;

/// <summary>A request <c>agentflow serve</c> refuses, answered as an OpenAI error object with <see cref="Status"/>.</summary>
internal sealed class OpenAIRequestException(int status, string message, string? parameter = null) : Exception(message)
{
    internal int Status { get; } = status;

    /// <summary>The request field at fault, as OpenAI's <c>error.param</c>.</summary>
    internal string? Parameter { get; } = parameter;

    internal static OpenAIRequestException BadRequest(string message, string? parameter = null) => new(400, message, parameter);
}
