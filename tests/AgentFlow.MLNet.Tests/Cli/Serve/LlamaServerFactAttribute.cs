namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// Runs only where <c>AGENTFLOW_LLAMA_SERVER</c> names llama.cpp's <c>llama-server</c> program (any CPU build:
/// <c>cmake --build build --target llama-server</c> in a llama.cpp checkout); skipped, saying so, elsewhere.
/// </summary>
public sealed class LlamaServerFactAttribute : FactAttribute
{
    internal const string Variable = "AGENTFLOW_LLAMA_SERVER";

    public LlamaServerFactAttribute() => Skip = Program is null ? $"{Variable} does not name llama.cpp's llama-server program" : null;

    /// <summary>The llama-server program the variable names, or null when it names none that exists.</summary>
    internal static string? Program => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path && File.Exists(path) ? path : null;
}
