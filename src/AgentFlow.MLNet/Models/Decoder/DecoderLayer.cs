using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then + mlp(norm(·)).</summary>
internal sealed class DecoderLayer : nn.Module
{
#pragma warning disable IDE1006 // Hugging Face parameter names, so checkpoints load without remapping.
    private readonly DecoderAttention self_attn;
    private readonly SwiGluMlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;
#pragma warning restore IDE1006

    internal DecoderLayer(CausalLMConfig config, int layerIndex) : base(nameof(DecoderLayer))
    {
        self_attn = new DecoderAttention(config, layerIndex);
        mlp = new SwiGluMlp(config);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    internal Tensor forward(Tensor hidden, RotaryTables rotary, Tensor? mask, KeyValueCache? cache)
    {
        using var scope = NewDisposeScope();
        var afterAttention = hidden + self_attn.forward(input_layernorm.forward(hidden), rotary, mask, cache);
        return (afterAttention + mlp.forward(post_attention_layernorm.forward(afterAttention))).MoveToOuterDisposeScope();
    }
}
