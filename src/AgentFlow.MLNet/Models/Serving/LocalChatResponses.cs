using AgentFlow.MLNet.Models.Generation;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Models.Serving;

/// <summary>Reads the token-level record a <see cref="LocalChatClient"/> attaches to its responses.</summary>
public static class LocalChatResponses
{
    /// <summary>The sampled ids and log-probs behind <paramref name="response"/>, or null when it did not come from a local model.</summary>
    public static GeneratedSequence? GetGeneratedSequence(this ChatResponse response) =>
        response?.RawRepresentation as GeneratedSequence;
}
