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
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new DecoderLayer(config, i)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        rotary_emb = new RotaryEmbedding(config, ropeFrequencyDivisors);
        RegisterComponents();
    }

    internal Embedding Embeddings => embed_tokens;

    /// <param name="inputIds">[batch, tokens] token ids.</param>
    /// <param name="positions">[batch, tokens] positions.</param>
    /// <param name="attentionMask">[batch, cached + tokens], 1 for real tokens and 0 for padding; null when nothing is padded.</param>
    /// <param name="cache">Keys/values of earlier tokens, extended by this call; null to attend within <paramref name="inputIds"/> only.</param>
    internal Tensor forward(Tensor inputIds, Tensor positions, Tensor? attentionMask, KeyValueCache? cache)
    {
        using var scope = NewDisposeScope();
        long cached = cache?.Length ?? 0, tokens = inputIds.shape[1];
        var hidden = embed_tokens.forward(inputIds);
        var rotary = rotary_emb.Tables(positions, hidden.dtype);
        // Plain causal attention needs no mask: either queries and keys coincide or a single query sees every key.
        var mask = attentionMask is null && (cached == 0 || tokens == 1)
            ? null
            : AttentionMask(cached, tokens, attentionMask, inputIds.shape[0], inputIds.device);
        foreach (var layer in layers)
            hidden = layer.forward(hidden, rotary, mask, cache);
        cache?.Advance(tokens);
        return norm.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Boolean [batch, 1, tokens, cached + tokens]: query i (at position cached + i) may attend to key j when
    /// j ≤ cached + i and key j is not padding. A padded query row would attend to nothing, which makes softmax NaN;
    /// such rows may attend everywhere instead (their outputs are padding and never read).
    /// </summary>
    private static Tensor AttentionMask(long cached, long tokens, Tensor? attentionMask, long batch, Device device)
    {
        long keys = cached + tokens;
        var causal = ones(tokens, keys, dtype: ScalarType.Bool, device: device).tril(cached).unsqueeze(0).unsqueeze(0);
        var mask = attentionMask is null
            ? causal.expand(batch, 1, tokens, keys)
            : causal.logical_and(attentionMask.to(ScalarType.Bool).unsqueeze(1).unsqueeze(1));
        return mask.logical_or(mask.any(-1, keepdim: true).logical_not());
    }
}
