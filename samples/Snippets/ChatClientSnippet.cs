#region README
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using Microsoft.Extensions.AI;
#endregion

namespace Snippets;

/// <summary>README, Models: the model host and its <c>IChatClient</c> views.</summary>
internal static class ChatClientSnippet
{
    /// <summary>Asks the tiny model one question through Microsoft.Extensions.AI.</summary>
    public static async Task RunAsync()
    {
        #region README
        using var local = TinyModel.Create();   // or LocalModel.Load(path)
        using var host = new ModelHost(local);  // the one owner of the model
        using IChatClient planner = host.AsChatClient(new LocalChatClientOptions { UseAdapters = true });  // base + LoRA, when attached
        using IChatClient frozen = host.AsChatClient(new LocalChatClientOptions { UseAdapters = false }); // the base weights, same batch
        var response = await planner.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi!")], new ChatOptions { Temperature = 0.7f, Seed = 42, MaxOutputTokens = 64 });
        GeneratedSequence tokens = response.GetGeneratedSequence()!;   // exact ids, log-probs and the effective sampling settings
        Console.WriteLine($"{response.Text} ({tokens.CompletionIds.Count} tokens at T = {tokens.Sampling!.Temperature:0.##})");
        #endregion
    }
}
