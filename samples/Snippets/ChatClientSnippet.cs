#region README
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Serving;
using Microsoft.Extensions.AI;
#endregion

namespace Snippets;

/// <summary>README, Models: the local model as an <c>IChatClient</c>.</summary>
internal static class ChatClientSnippet
{
    /// <summary>Asks the tiny model one question through Microsoft.Extensions.AI.</summary>
    public static async Task RunAsync()
    {
        #region README
        using var local = TinyModel.Create();   // or LocalModel.Load(path)
        using var client = new LocalChatClient(local);
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi!")], new ChatOptions { Temperature = 0.7f, MaxOutputTokens = 64 });
        GeneratedSequence tokens = response.GetGeneratedSequence()!;   // the exact ids and log-probs behind response.Text
        Console.WriteLine($"{response.Text} ({tokens.CompletionIds.Count} tokens)");
        #endregion
    }
}
