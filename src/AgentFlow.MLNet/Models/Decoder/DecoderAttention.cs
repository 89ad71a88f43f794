using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// Grouped-query self-attention with rotary positions: q/k/v projections (optionally biased, as in Qwen2),
/// key/value heads shared by groups of query heads, fused scaled-dot-product attention, and an unbiased
/// output projection.
/// </summary>
internal sealed class DecoderAttention : nn.Module
{
#pragma warning disable IDE1006 // Hugging Face parameter names, so checkpoints load without remapping.
    private readonly AdaptableLinear q_proj;
    private readonly AdaptableLinear k_proj;
    private readonly AdaptableLinear v_proj;
    private readonly AdaptableLinear o_proj;
#pragma warning restore IDE1006
    private readonly int _heads;
    private readonly int _keyValueHeads;
    private readonly int _headDim;
    private readonly int _layerIndex;

    internal DecoderAttention(CausalLMConfig config, int layerIndex) : base(nameof(DecoderAttention))
    {
        _layerIndex = layerIndex;
        _heads = config.NumAttentionHeads;
        _keyValueHeads = config.KeyValueHeads;
        _headDim = config.HeadDimension;
        q_proj = new AdaptableLinear(config.HiddenSize, _heads * _headDim, hasBias: config.AttentionBias);
        k_proj = new AdaptableLinear(config.HiddenSize, _keyValueHeads * _headDim, hasBias: config.AttentionBias);
        v_proj = new AdaptableLinear(config.HiddenSize, _keyValueHeads * _headDim, hasBias: config.AttentionBias);
        o_proj = new AdaptableLinear(_heads * _headDim, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <param name="hidden">[batch, tokens, hidden].</param>
    /// <param name="rotary">The rotary tables of this pass's positions.</param>
    /// <param name="mask">Boolean [batch, 1, tokens, keys] (true = may attend), or null when every query may see every earlier key.</param>
    /// <param name="cache">Keys/values of earlier tokens; this call's are appended to it.</param>
    internal Tensor forward(Tensor hidden, RotaryTables rotary, Tensor? mask, KeyValueCache? cache)
    {
        using var scope = NewDisposeScope();
        var shape = hidden.shape; // one native call; each indexer on `shape` is another
        long batch = shape[0], tokens = shape[1];
        var q = q_proj.forward(hidden).view(batch, tokens, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(hidden).view(batch, tokens, _keyValueHeads, _headDim).transpose(1, 2);
        var v = v_proj.forward(hidden).view(batch, tokens, _keyValueHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, rotary);
        k = RotaryEmbedding.Apply(k, rotary);
        if (cache is not null)
            (k, v) = cache.Append(_layerIndex, k, v);

        Tensor attended;
        if (tokens == 1 && _heads != _keyValueHeads)
        {
            // Decoding one token with grouped heads: fold each group's query heads into query rows of its key/value
            // head ([B, kv, G, d]) instead of repeating the cached keys and values G times every step.
            int groups = _heads / _keyValueHeads;
            var grouped = q.reshape(batch, _keyValueHeads, groups, _headDim);
            attended = nn.functional.scaled_dot_product_attention(grouped, k, v, mask, 0.0, false).reshape(batch, _heads, 1, _headDim);
        }
        else
        {
            // Without a mask, queries and keys are the same tokens (no cache, or an empty one) or one query sees all keys.
            attended = nn.functional.scaled_dot_product_attention(q, ShareAcrossQueryGroups(k), ShareAcrossQueryGroups(v), mask, 0.0, mask is null && tokens > 1);
        }
        var merged = attended.transpose(1, 2).reshape(batch, tokens, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>Repeats each key/value head for its group of query heads (TorchSharp's SDPA has no GQA flag).</summary>
    private Tensor ShareAcrossQueryGroups(Tensor x)
    {
        int groups = _heads / _keyValueHeads;
        if (groups == 1)
            return x;
        long batch = x.shape[0], keys = x.shape[2];
        return x.unsqueeze(2).expand(batch, _keyValueHeads, groups, keys, _headDim).reshape(batch, _heads, keys, _headDim);
    }
}
