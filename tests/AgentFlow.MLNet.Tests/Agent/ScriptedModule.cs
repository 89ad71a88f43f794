using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Agent;

/// <summary>A chat client for one module that answers from a script (in order, the last reply repeating) and records its prompts.</summary>
internal sealed class ScriptedModule : IChatClient
{
    private readonly Func<string, int, CancellationToken, Task<string>> _reply;

    /// <summary>Replies in order; the last one repeats.</summary>
    internal ScriptedModule(params string[] replies) =>
        _reply = (_, call, _) => Task.FromResult(replies[Math.Min(call, replies.Length - 1)]);

    /// <summary>Replies computed from the prompt and the 0-based call number (may delay or throw).</summary>
    internal ScriptedModule(Func<string, int, CancellationToken, Task<string>> reply) => _reply = reply;

    internal List<string> Prompts { get; } = [];

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string prompt = string.Join("\n", messages.Select(m => m.Text));
        int call;
        // Concurrent trajectories may share one scripted module.
        lock (Prompts)
        {
            Prompts.Add(prompt);
            call = Prompts.Count - 1;
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, await _reply(prompt, call, cancellationToken)));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The agent asks for whole responses.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
