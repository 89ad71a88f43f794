using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// The decoder stack (the <c>model.</c> prefix of a Hugging Face checkpoint): token embedding, rotary tables,
/// the layers and the final norm. Returns the last hidden state; the LM head lives in <see cref="CausalLM"/>.
/// </summary>
internal sealed class DecoderModel : nn.Module
{
#pragma warning disable IDE1006 // Hugging Face parameter names, so checkpoints load without remapping.
    private readonly Embedding embed_tokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly RotaryEmbedding rotary_emb;
#pragma warning restore IDE1006

    internal DecoderModel(CausalLMConfig config, IReadOnlyList<float>? ropeFrequencyDivisors) : base(nameof(DecoderModel))
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new DecoderLayer(config)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        rotary_emb = new RotaryEmbedding(config, ropeFrequencyDivisors);
        RegisterComponents();
    }

    internal Embedding Embeddings => embed_tokens;

    /// <param name="inputIds">[batch, tokens] token ids.</param>
    /// <param name="positions">[batch, tokens] positions.</param>
    /// <param name="attentionMask">[batch, tokens], 1 for real tokens and 0 for padding; null when nothing is padded.</param>
    internal Tensor forward(Tensor inputIds, Tensor positions, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = embed_tokens.forward(inputIds);
        var (cos, sin) = rotary_emb.Tables(positions, hidden.dtype);
        var mask = attentionMask is null ? null : CausalPaddingMask(attentionMask);
        foreach (var layer in layers)
            hidden = layer.forward(hidden, cos, sin, mask);
        return norm.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Boolean [batch, 1, tokens, tokens]: causal and never attending to padding. A padded query row would
    /// attend to nothing, which makes softmax NaN; such rows may attend everywhere instead (their outputs are
    /// padding and never read).
    /// </summary>
    private static Tensor CausalPaddingMask(Tensor attentionMask)
    {
        long tokens = attentionMask.shape[1];
        var causal = ones(tokens, tokens, dtype: ScalarType.Bool, device: attentionMask.device).tril();
        var keys = attentionMask.to(ScalarType.Bool).unsqueeze(1).unsqueeze(1);
        var mask = causal.unsqueeze(0).unsqueeze(0).logical_and(keys);
        return mask.logical_or(mask.any(-1, keepdim: true).logical_not());
    }
}
