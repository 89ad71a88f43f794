using AgentFlow.MLNet.Models.Decoder;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// The weights a <see cref="CausalLMConfig"/> implies, with llama.cpp's tensor names (gguf-py's
/// <c>TensorNameMap</c> for the <c>llama</c> and <c>qwen2</c> architectures) beside the Hugging Face ones.
/// </summary>
internal static class GgufTensorMap
{
    /// <summary>The tensor of Llama-3.1 rotary frequency divisors, one per rotary frequency.</summary>
    internal const string RopeFrequencies = "rope_freqs.weight";

    /// <summary>The embedding, which exists in every model; its shape gives the vocabulary size.</summary>
    internal const string TokenEmbedding = "token_embd.weight";

    /// <summary>The LM head, absent when it is tied to the embedding.</summary>
    internal const string Output = "output.weight";

    /// <summary>The first layer's q bias, present exactly when the model has attention biases.</summary>
    internal const string FirstQueryBias = "blk.0.attn_q.bias";

    /// <summary>The first layer's gate bias, present exactly when the model has MLP biases.</summary>
    internal const string FirstGateBias = "blk.0.ffn_gate.bias";

    /// <summary>Every weight of a model with <paramref name="config"/>, embedding first.</summary>
    internal static IReadOnlyList<GgufTensorSlot> For(CausalLMConfig config)
    {
        long hidden = config.HiddenSize;
        long intermediate = config.IntermediateSize;
        long vocabulary = config.VocabSize;
        long queryWidth = (long)config.NumAttentionHeads * config.HeadDimension;
        long keyValueWidth = (long)config.KeyValueHeads * config.HeadDimension;
        // llama.cpp's converter permutes q/k rows for the llama architecture only (LlamaModel.undo_permute).
        bool permuted = config.ModelType == "llama";
        int queryHeads = permuted ? config.NumAttentionHeads : 0;
        int keyHeads = permuted ? config.KeyValueHeads : 0;

        var slots = new List<GgufTensorSlot> { new("model.embed_tokens.weight", TokenEmbedding, [vocabulary, hidden], 0) };
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string hf = $"model.layers.{i}.";
            string gguf = $"blk.{i}.";
            slots.Add(new($"{hf}input_layernorm.weight", $"{gguf}attn_norm.weight", [hidden], 0));
            slots.Add(new($"{hf}self_attn.q_proj.weight", $"{gguf}attn_q.weight", [queryWidth, hidden], queryHeads));
            slots.Add(new($"{hf}self_attn.k_proj.weight", $"{gguf}attn_k.weight", [keyValueWidth, hidden], keyHeads));
            slots.Add(new($"{hf}self_attn.v_proj.weight", $"{gguf}attn_v.weight", [keyValueWidth, hidden], 0));
            if (config.AttentionBias)
            {
                slots.Add(new($"{hf}self_attn.q_proj.bias", $"{gguf}attn_q.bias", [queryWidth], queryHeads));
                slots.Add(new($"{hf}self_attn.k_proj.bias", $"{gguf}attn_k.bias", [keyValueWidth], keyHeads));
                slots.Add(new($"{hf}self_attn.v_proj.bias", $"{gguf}attn_v.bias", [keyValueWidth], 0));
            }
            slots.Add(new($"{hf}self_attn.o_proj.weight", $"{gguf}attn_output.weight", [hidden, queryWidth], 0));
            slots.Add(new($"{hf}post_attention_layernorm.weight", $"{gguf}ffn_norm.weight", [hidden], 0));
            slots.Add(new($"{hf}mlp.gate_proj.weight", $"{gguf}ffn_gate.weight", [intermediate, hidden], 0));
            slots.Add(new($"{hf}mlp.up_proj.weight", $"{gguf}ffn_up.weight", [intermediate, hidden], 0));
            slots.Add(new($"{hf}mlp.down_proj.weight", $"{gguf}ffn_down.weight", [hidden, intermediate], 0));
            if (config.MlpBias)
            {
                slots.Add(new($"{hf}mlp.gate_proj.bias", $"{gguf}ffn_gate.bias", [intermediate], 0));
                slots.Add(new($"{hf}mlp.up_proj.bias", $"{gguf}ffn_up.bias", [intermediate], 0));
                slots.Add(new($"{hf}mlp.down_proj.bias", $"{gguf}ffn_down.bias", [hidden], 0));
            }
        }
        slots.Add(new("model.norm.weight", "output_norm.weight", [hidden], 0));
        if (!config.TieWordEmbeddings)
            slots.Add(new("lm_head.weight", Output, [vocabulary, hidden], 0));
        return slots;
    }
}
