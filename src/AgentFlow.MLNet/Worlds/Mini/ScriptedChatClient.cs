using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// The plumbing shared by the Mini world's scripted modules: a thread-safe <see cref="IChatClient"/> that answers
/// each request from its prompt (and the call's seed) alone, so rollouts may call it from many trajectories at once.
/// </summary>
public abstract class ScriptedChatClient : IChatClient
{
    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        string prompt = string.Join("\n", messages.Select(m => m.Text));
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Reply(prompt, options?.Seed))));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc />
    public void Dispose() => GC.SuppressFinalize(this);

    /// <summary>The module's reply to <paramref name="prompt"/>; <paramref name="seed"/> is the call's sampling seed, when the agent set one.</summary>
    protected abstract string Reply(string prompt, long? seed);
}
