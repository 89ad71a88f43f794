#region README
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
#endregion

namespace Snippets;

/// <summary>README, Models: the built-in tiny model.</summary>
internal static class TinyModelSnippet
{
    /// <summary>Creates the tiny model, generates from it, and saves it as a folder and as a GGUF file.</summary>
    public static void Run()
    {
        #region README
        using var tiny = TinyModel.Create(new TinyModelOptions { Seed = 1 });   // 0.43M parameters; see TinyModelOptions for sizes
        var prompt = tiny.EncodePrompt("Hi!", chat: true);                      // ChatML, byte-level ids
        var completion = new GenerationEngine(tiny.Model).Generate([prompt], new SamplingOptions { MaxNewTokens = 16, StopTokenIds = tiny.StopTokenIds })[0];
        Console.WriteLine(tiny.Tokenizer.Decode(completion.CompletionIds, skipSpecialTokens: true));   // noise until it is trained

        CausalLMCheckpoint.Save(tiny, "tiny-model");         // config.json, model.safetensors, tokenizer.json, tokenizer_config.json, generation_config.json
        CausalLMCheckpoint.SaveGguf(tiny, "tiny-model.gguf"); // one file: F16 weights, tokenizer, chat template
        using var again = LocalModel.Load("tiny-model");      // loads as any checkpoint does
        #endregion
    }
}
