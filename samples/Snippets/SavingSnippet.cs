#region README
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Models.Lora;
using static TorchSharp.torch;
#endregion

namespace Snippets;

/// <summary>README, Models: LoRA and saving.</summary>
internal static class SavingSnippet
{
    /// <summary>Attaches LoRA adapters, saves them, merges them and saves the merged model both ways.</summary>
    public static void Run()
    {
        #region README
        using var local = TinyModel.Create();                             // or LocalModel.Load(path)
        local.Model.AttachLora(new LoraOptions { Rank = 16, Alpha = 32 }); // freezes the base; TrainableParameters() are the adapters
        // ... train ...
        LoraCheckpoint.Save(local.Model, "adapter");                      // PEFT: adapter_config.json + adapter_model.safetensors
        local.Model.MergeAdapters();
        CausalLMCheckpoint.Save(local, "merged", new CheckpointSaveOptions { DType = ScalarType.BFloat16 }); // for transformers and vLLM
        CausalLMCheckpoint.SaveGguf(local, "merged-q8_0.gguf", GgmlType.Q8_0);                              // for llama.cpp and Ollama
        #endregion
    }
}
