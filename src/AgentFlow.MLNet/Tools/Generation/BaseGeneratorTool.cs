using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tools.Generation;

/// <summary>
/// <c>base_generator</c>: asks a language model directly, the reference AgentFlow's general-purpose tool for
/// steps that need reasoning or knowledge rather than a specialised tool. The model is any
/// <see cref="IChatClient"/>; the query is sent as the only user message. A client failure (network,
/// server) propagates for <see cref="ToolRegistry"/> to report as a failed call.
/// </summary>
public sealed class BaseGeneratorTool : ITool
{
    private readonly IChatClient chatClient;
    private readonly ChatOptions chatOptions;

    /// <summary>Creates the tool.</summary>
    /// <param name="chatClient">The model that answers.</param>
    /// <param name="chatOptions">Options for each call; null for temperature 0 (the reference runs its tools deterministically).</param>
    public BaseGeneratorTool(IChatClient chatClient, ChatOptions? chatOptions = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        this.chatClient = chatClient;
        this.chatOptions = chatOptions ?? new ChatOptions { Temperature = 0 };
    }

    /// <inheritdoc />
    public ToolCard Card { get; } = new()
    {
        Name = "base_generator",
        Description = "Answers a query directly with a general-purpose language model, reasoning step by step.",
        InputSchema = """
            {"type": "object",
             "properties": {"query": {"type": "string", "description": "The question or task, with all the context it needs"}},
             "required": ["query"]}
            """,
        OutputDescription = "The model's answer as text.",
        Demos = [new("""{"query": "Summarise in one sentence: The mitochondrion produces most of the cell's energy."}""", "a one-sentence summary")],
        Limitations = ["It may answer wrongly or invent facts (hallucinate), and it cannot look anything up or compute reliably."],
        BestPractices =
        [
            "Use it for general reasoning, summaries and questions no specialised tool covers.",
            "Put every fact it needs into the query: it does not see the conversation or the memory.",
            "Split complex tasks into several calls and check important claims with another tool.",
        ],
    };

    /// <inheritdoc />
    public async ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!ToolArguments.TryGetString(arguments, "query", out string? query, out string error))
            return ToolResult.Failure(error);
        // Cloned per call: a client may adjust the options it is handed, and this tool is shared by concurrent rollouts.
        var response = await chatClient.GetResponseAsync([new ChatMessage(ChatRole.User, query)], chatOptions.Clone(), cancellationToken).ConfigureAwait(false);
        string answer = response.Text ?? "";
        return string.IsNullOrWhiteSpace(answer) ? ToolResult.Failure("the model returned an empty answer") : ToolResult.Success(answer);
    }
}
