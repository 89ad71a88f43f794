#region README
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
#endregion

namespace Snippets;

/// <summary>README, Models: point at a checkpoint.</summary>
internal static class CheckpointSnippet
{
    /// <summary>Loads the folder or GGUF file <c>args[0]</c> and samples eight answers.</summary>
    public static void Run(string[] args)
    {
        #region README
        using var local = LocalModel.Load(args[0]);   // a model folder (e.g. /models/Qwen2.5-0.5B-Instruct) or a .gguf file
        Console.WriteLine(local.Model.Describe());    // parameters, MiB, dtype, device, layers, heads, context
        var prompt = local.EncodePrompt("What is 17 * 23?", chat: true);
        var result = new GenerationEngine(local.Model).Generate([prompt],
            new SamplingOptions { Temperature = 0.7, TopP = 0.99, FrequencyPenalty = 1.2, MaxNewTokens = 64, StopTokenIds = local.StopTokenIds },
            samplesPerPrompt: 8);                       // G samples, the prompt prefilled once
        Console.WriteLine(local.Tokenizer.Decode(result[0].CompletionIds, skipSpecialTokens: true));
        #endregion
    }
}
