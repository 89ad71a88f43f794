using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// Keys and values of every layer for a batch of sequences, preallocated to a fixed capacity so decoding
/// writes each new token in place instead of growing tensors by concatenation. All rows share one length;
/// rows of different real lengths are left-padded and masked by the attention mask.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    private Tensor[] _keys;
    private Tensor[] _values;

    private KeyValueCache(Tensor[] keys, Tensor[] values, long length, long capacity)
    {
        _keys = keys;
        _values = values;
        Length = length;
        Capacity = capacity;
    }

    /// <summary>Creates an empty cache for <paramref name="batch"/> rows of up to <paramref name="capacity"/> tokens, in the model's dtype and device.</summary>
    public static KeyValueCache Create(CausalLM model, long batch, long capacity)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (batch <= 0 || capacity <= 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), $"A cache needs a positive batch and capacity (got {batch} x {capacity}).");
        var config = model.Config;
        var info = model.Describe();
        var device = model.parameters().First().device;
        long[] shape = [batch, config.KeyValueHeads, capacity, config.HeadDimension];
        var keys = new Tensor[config.NumHiddenLayers];
        var values = new Tensor[config.NumHiddenLayers];
        for (int layer = 0; layer < keys.Length; layer++)
        {
            // The cache outlives any dispose scope of the caller: it is freed by Dispose.
            keys[layer] = zeros(shape, dtype: info.DType, device: device).DetachFromDisposeScope();
            values[layer] = zeros(shape, dtype: info.DType, device: device).DetachFromDisposeScope();
        }
        return new KeyValueCache(keys, values, 0, capacity);
    }

    /// <summary>Rows in the cache.</summary>
    public long Batch => _keys[0].shape[0];

    /// <summary>Tokens each row can hold.</summary>
    /// <remarks>Kept as a field: reading a tensor's shape is a native call, and every layer checks it every step.</remarks>
    public long Capacity { get; }

    /// <summary>Tokens already stored per row.</summary>
    public long Length { get; private set; }

    /// <summary>Bytes held by the cache's buffers.</summary>
    public long Bytes => _keys.Sum(k => k.numel() * k.element_size()) * 2;

    /// <summary>
    /// Stores <paramref name="keys"/>/<paramref name="values"/> [batch, kv_heads, new, head_dim] of one layer after the
    /// cached tokens and returns views of everything stored so far for that layer.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        long added = keys.shape[2];
        if (Length + added > Capacity)
            throw new InvalidOperationException($"The cache holds {Capacity} tokens per row; {Length} are stored and {added} more do not fit.");
        _keys[layer].narrow(2, Length, added).copy_(keys);
        _values[layer].narrow(2, Length, added).copy_(values);
        return (_keys[layer].narrow(2, 0, Length + added), _values[layer].narrow(2, 0, Length + added));
    }

    /// <summary>Marks <paramref name="added"/> tokens as stored once every layer has appended them.</summary>
    internal void Advance(long added) => Length += added;

    /// <summary>
    /// Keeps, reorders or repeats rows: row i of the result is row <paramref name="rows"/>[i] of this cache. Used to
    /// fan one prefilled prompt out to a group of samples, and to drop finished rows.
    /// </summary>
    public void SelectRows(Tensor rows)
    {
        for (int layer = 0; layer < _keys.Length; layer++)
        {
            var keys = _keys[layer].index_select(0, rows);
            var values = _values[layer].index_select(0, rows);
            _keys[layer].Dispose();
            _values[layer].Dispose();
            _keys[layer] = keys.DetachFromDisposeScope();
            _values[layer] = values.DetachFromDisposeScope();
        }
    }

    /// <summary>
    /// Stacks the rows of several caches into a new one of <paramref name="capacity"/> tokens, aligning their right
    /// edges (the newest token of every row lands in the same column), which is how requests join a running decode
    /// batch. Of each part, the first <c>Skip</c> stored tokens are dropped (columns that are padding in all its rows),
    /// so padding does not accumulate as rows come and go. The parts are left untouched (dispose them yourself).
    /// </summary>
    internal static KeyValueCache Stack(IReadOnlyList<(KeyValueCache Cache, long Skip)> parts, long capacity)
    {
        long length = parts.Max(p => p.Cache.Length - p.Skip);
        if (capacity < length)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"The stacked cache needs at least {length} tokens.");
        var first = parts[0].Cache;
        int layers = first._keys.Length;
        long batch = parts.Sum(p => p.Cache.Batch);
        long[] shape = [batch, first._keys[0].shape[1], capacity, first._keys[0].shape[3]];
        var keys = new Tensor[layers];
        var values = new Tensor[layers];
        for (int layer = 0; layer < layers; layer++)
        {
            keys[layer] = zeros(shape, dtype: first._keys[0].dtype, device: first._keys[0].device).DetachFromDisposeScope();
            values[layer] = zeros(shape, dtype: first._keys[0].dtype, device: first._keys[0].device).DetachFromDisposeScope();
            long row = 0;
            foreach (var (cache, skip) in parts)
            {
                long kept = cache.Length - skip;
                if (kept > 0)
                {
                    keys[layer].narrow(0, row, cache.Batch).narrow(2, length - kept, kept).copy_(cache._keys[layer].narrow(2, skip, kept));
                    values[layer].narrow(0, row, cache.Batch).narrow(2, length - kept, kept).copy_(cache._values[layer].narrow(2, skip, kept));
                }
                row += cache.Batch;
            }
        }
        return new KeyValueCache(keys, values, length, capacity);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values))
            tensor.Dispose();
        _keys = [];
        _values = [];
    }
}
