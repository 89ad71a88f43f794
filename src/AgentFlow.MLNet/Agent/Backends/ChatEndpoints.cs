using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;

namespace AgentFlow.MLNet.Agent.Backends;

/// <summary>Chat clients over OpenAI-compatible endpoints, with per-attempt timeouts, retries and clear failures.</summary>
public static class ChatEndpoints
{
    private const string NoKey = "no-key";

    /// <summary>
    /// An <see cref="IChatClient"/> that sends every request to <paramref name="options"/>' endpoint through the
    /// Microsoft.Extensions.AI OpenAI client, retrying transient failures (<see cref="ChatEndpointOptions.MaxRetries"/>)
    /// and throwing <see cref="ChatEndpointException"/> with the reason when no answer comes.
    /// </summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    /// <exception cref="InvalidOperationException">The API key variable is named but not set.</exception>
    public static IChatClient Create(ChatEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string key = options.ReadApiKey() ?? NoKey;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = options.Endpoint,
            // Retries and timeouts are ours (ResilientChatClient), per attempt and counted in the error; the SDK's own
            // would retry underneath them. Its network timeout stays as the backstop for a stalled stream.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = options.Timeout,
        };
        IChatClient openAI = new OpenAIClient(new ApiKeyCredential(key), clientOptions).GetChatClient(options.Model).AsIChatClient();
        return new ResilientChatClient(openAI, options);
    }
}
