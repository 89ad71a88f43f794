using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Tokenization;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models.Gguf;

/// <summary>Tiny seeded Llama/Qwen2 weight sets with Hugging Face names: 4 query heads, 2 key/value heads, head_dim 8.</summary>
internal static class TinyModels
{
    public const int Hidden = 32;
    public const int Heads = 4;
    public const int KeyValueHeads = 2;
    public const int HeadDim = 8;
    public const int Intermediate = 64;
    public const int Layers = 2;
    public const int VocabularySize = 48;

    public static CausalLMConfig Config(string modelType, bool bias, bool tied) => new()
    {
        ModelType = modelType,
        VocabSize = VocabularySize,
        HiddenSize = Hidden,
        IntermediateSize = Intermediate,
        NumHiddenLayers = Layers,
        NumAttentionHeads = Heads,
        NumKeyValueHeads = KeyValueHeads,
        HeadDim = HeadDim,
        RmsNormEps = 1e-5,
        RopeTheta = modelType == "qwen2" ? 1_000_000 : 500_000,
        MaxPositionEmbeddings = 4096,
        TieWordEmbeddings = tied,
        AttentionBias = bias,
        MlpBias = false,
        BosTokenId = 1,
        EosTokenIds = [2],
    };

    /// <summary>
    /// Random weights for <paramref name="config"/> under the Hugging Face names, listed here by hand (not
    /// taken from the library's name map), created in the caller's dispose scope.
    /// </summary>
    public static Dictionary<string, Tensor> Weights(CausalLMConfig config, int seed)
    {
        var generator = new Generator((ulong)seed);
        long hidden = config.HiddenSize, intermediate = config.IntermediateSize;
        long q = config.NumAttentionHeads * config.HeadDimension, kv = config.KeyValueHeads * config.HeadDimension;
        var shapes = new Dictionary<string, long[]> { ["model.embed_tokens.weight"] = [config.VocabSize, hidden] };
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.";
            shapes[p + "input_layernorm.weight"] = [hidden];
            shapes[p + "self_attn.q_proj.weight"] = [q, hidden];
            shapes[p + "self_attn.k_proj.weight"] = [kv, hidden];
            shapes[p + "self_attn.v_proj.weight"] = [kv, hidden];
            shapes[p + "self_attn.o_proj.weight"] = [hidden, q];
            if (config.AttentionBias)
            {
                shapes[p + "self_attn.q_proj.bias"] = [q];
                shapes[p + "self_attn.k_proj.bias"] = [kv];
                shapes[p + "self_attn.v_proj.bias"] = [kv];
            }
            shapes[p + "post_attention_layernorm.weight"] = [hidden];
            shapes[p + "mlp.gate_proj.weight"] = [intermediate, hidden];
            shapes[p + "mlp.up_proj.weight"] = [intermediate, hidden];
            shapes[p + "mlp.down_proj.weight"] = [hidden, intermediate];
            if (config.MlpBias)
            {
                shapes[p + "mlp.gate_proj.bias"] = [intermediate];
                shapes[p + "mlp.up_proj.bias"] = [intermediate];
                shapes[p + "mlp.down_proj.bias"] = [hidden];
            }
        }
        shapes["model.norm.weight"] = [hidden];
        if (!config.TieWordEmbeddings)
            shapes["lm_head.weight"] = [config.VocabSize, hidden];
        return shapes.ToDictionary(s => s.Key, s => randn(s.Value, generator: generator));
    }

    public static GgufVocabulary Tokenizer(int size) => new(
        Model: "gpt2",
        PreTokenizer: "qwen2",
        Tokens: Enumerable.Range(0, size).Select(i => i switch { 0 => "<unk>", 1 => "<s>", 2 => "</s>", _ => $"tök{i}✓" }).ToArray(),
        Scores: Enumerable.Range(0, size).Select(i => -0.25f * i).ToArray(),
        TokenTypes: Enumerable.Range(0, size).Select(i => i < 3 ? 3 : 1).ToArray(),
        Merges: ["t ö", "tö k", "Ġ a"],
        BosTokenId: 1,
        EosTokenId: 2,
        UnknownTokenId: 0,
        PaddingTokenId: 2,
        AddBosToken: true,
        AddEosToken: false,
        ChatTemplate: "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}");
}
