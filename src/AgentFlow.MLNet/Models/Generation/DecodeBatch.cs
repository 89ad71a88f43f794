using AgentFlow.MLNet.Models.Decoder;

using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Generation;

/// <summary>
/// The running batch of a continuous decoder: rows join at any step (their prompts are prefilled and their caches
/// stacked onto the batch's, right edges aligned), every row advances one token per <see cref="Step"/>, and finished
/// rows leave at once. Rows that share a prompt and an adapter setting are prefilled once and fanned out. Each row
/// samples with its own settings and random stream, so its tokens do not depend on its batch mates. Not thread-safe:
/// one owner (<see cref="GenerationEngine"/> for one call, or the model host's worker) drives it.
/// </summary>
internal sealed class DecodeBatch : IDisposable
{
    private readonly CausalLM _model;
    private readonly Device _device;
    private readonly List<DecodeRow> _rows = [];
    private KeyValueCache? _cache;
    // [rows, cached tokens] int64: 1 = real token, 0 = padding; null while no row has padding, so that steps pass no
    // attention mask (building one costs about as much as a layer of a tiny model).
    private Tensor? _mask;
    private Tensor? _logits;   // [rows, vocab]: the logits each row's next token is sampled from
    private Tensor? _counts;   // [rows, vocab]: token counts of each completion, once some row uses a penalty

    internal DecodeBatch(CausalLM model)
    {
        _model = model;
        _device = model.parameters().First().device;
    }

    /// <summary>Rows being decoded.</summary>
    internal int Count => _rows.Count;

    /// <summary>Prompt tokens run through the model so far (a prompt shared by several rows counts once).</summary>
    internal long PrefillTokens { get; private set; }

    /// <summary>Rows whose prompt was not prefilled because an identical one in the same admission was.</summary>
    internal long SharedPrefills { get; private set; }

    /// <summary>Tokens decoded so far (one per live row per step).</summary>
    internal long DecodedTokens { get; private set; }

    /// <summary>Prefills <paramref name="rows"/> and adds them to the batch; they sample their first token at the next <see cref="Step"/>.</summary>
    internal void Admit(IReadOnlyList<DecodeRow> rows)
    {
        if (rows.Count == 0)
            return;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();

        // One prefill per distinct (prompt, adapter setting): a group's G identical first-turn prompts run once.
        var unique = new List<DecodeRow>();
        var firstOf = new Dictionary<(bool, string), int>();
        var source = new long[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            var key = (rows[i].UseAdapters, string.Join(',', rows[i].PromptIds));
            if (!firstOf.TryGetValue(key, out int at))
            {
                at = unique.Count;
                firstOf[key] = at;
                unique.Add(rows[i]);
            }
            source[i] = at;
        }
        SharedPrefills += rows.Count - unique.Count;

        int length = unique.Max(r => r.PromptIds.Count);
        int longestBudget = _rows.Concat(rows).Max(r => r.Remaining);
        var (ids, mask) = LeftPad(unique, length);
        // Alone, the prefill cache becomes the batch's cache, so it gets room to decode; otherwise it is stacked.
        var prefillCache = KeyValueCache.Create(_model, unique.Count, _cache is null ? length + longestBudget : length);
        var output = _model.forward(new CausalLMInput(ids)
        {
            AttentionMask = mask,
            Cache = prefillCache,
            Logits = LogitsSelection.LastToken,
            AdapterRows = unique.Select(r => r.UseAdapters).ToList(),
        });
        PrefillTokens += unique.Sum(r => r.PromptIds.Count);
        var logits = output.Logits!.squeeze(1);
        if (unique.Count < rows.Count)
        {
            var fanOut = tensor(source, device: _device);
            prefillCache.SelectRows(fanOut);
            logits = logits.index_select(0, fanOut);
            mask = mask?.index_select(0, fanOut);
        }

        if (_cache is null)
        {
            _cache = prefillCache;
            Keep(ref _mask, mask);
            Keep(ref _logits, logits);
        }
        else
        {
            // Columns that are padding in every running row are dropped as the new rows are stacked on.
            long skip = _mask is null ? 0 : LeadingPadding(_mask);
            long kept = _cache.Length - skip;
            long stackedLength = Math.Max(kept, length);
            var stacked = KeyValueCache.Stack([(_cache, skip), (prefillCache, 0)], stackedLength + longestBudget);
            _cache.Dispose();
            prefillCache.Dispose();
            _cache = stacked;
            var oldMask = LeftPadMask((_mask ?? AllReal(_rows.Count, kept)).narrow(1, skip, kept), stackedLength);
            var stackedMask = cat([oldMask, LeftPadMask(mask ?? AllReal(rows.Count, length), stackedLength)], 0);
            Keep(ref _mask, HasPadding(stackedMask) ? stackedMask : null);
            Keep(ref _logits, cat([_logits!, logits], 0));
            if (_counts is not null)
                Keep(ref _counts, cat([_counts, zeros(rows.Count, _counts.shape[1], device: _device)], 0));
        }
        _rows.AddRange(rows);
    }

    /// <summary>
    /// Samples the next token of every row, removes the rows that ended, and runs the rest one token further.
    /// Returns the rows that ended in this step.
    /// </summary>
    internal IReadOnlyList<DecodeRow> Step()
    {
        if (_rows.Count == 0)
            return [];
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var options = _rows.Select(r => r.Sampling).ToList();
        if (_counts is null && options.Any(o => o.FrequencyPenalty != 0 || o.PresencePenalty != 0))
            Keep(ref _counts, zeros(_rows.Count, _logits!.shape[1], device: _device));
        var uniforms = _rows.Select(r => r.Sampling.Temperature == 0 ? 0.0 : r.Random.NextDouble()).ToList();
        var (tokens, tokenLogProbs) = TokenSampler.Sample(_logits!, _counts, options, uniforms);
        long[] picked = tokens.cpu().data<long>().ToArray();
        float[] pickedLogProbs = tokenLogProbs.cpu().data<float>().ToArray();

        var ended = new List<DecodeRow>();
        var keep = new List<long>();
        for (int row = 0; row < _rows.Count; row++)
        {
            if (_rows[row].Accept((int)picked[row], pickedLogProbs[row]) is null)
                keep.Add(row);
            else
                ended.Add(_rows[row]);
        }
        if (keep.Count == 0)
        {
            Clear();
            return ended;
        }

        _counts?.scatter_add_(1, tokens.unsqueeze(1), ones(tokens.shape[0], 1, device: _device));
        var next = tokens.unsqueeze(1);
        if (keep.Count < _rows.Count)
        {
            var kept = tensor(keep.ToArray(), device: _device);
            _cache!.SelectRows(kept);
            next = next.index_select(0, kept);
            if (_mask is not null)
            {
                var keptMask = _mask.index_select(0, kept);
                Keep(ref _mask, HasPadding(keptMask) ? keptMask : null);
            }
            if (_counts is not null)
                Keep(ref _counts, _counts.index_select(0, kept));
            var survivors = keep.Select(row => _rows[(int)row]).ToList();
            _rows.Clear();
            _rows.AddRange(survivors);
        }
        if (_mask is not null)
            Keep(ref _mask, cat([_mask, AllReal(_mask.shape[0], 1)], 1));
        var output = _model.forward(new CausalLMInput(next)
        {
            AttentionMask = _mask,
            Cache = _cache,
            Logits = LogitsSelection.LastToken,
            AdapterRows = _rows.Select(r => r.UseAdapters).ToList(),
        });
        DecodedTokens += _rows.Count;
        Keep(ref _logits, output.Logits!.squeeze(1));
        return ended;
    }

    /// <summary>Ends every row now (marked cancelled unless it already finished) and returns them.</summary>
    internal IReadOnlyList<DecodeRow> CancelAll()
    {
        var all = _rows.ToList();
        foreach (var row in all)
            row.Cancel();
        Clear();
        return all;
    }

    public void Dispose() => Clear();

    private void Clear()
    {
        _rows.Clear();
        _cache?.Dispose();
        _cache = null;
        Keep(ref _mask, null);
        Keep(ref _logits, null);
        Keep(ref _counts, null);
    }

    /// <summary>Replaces a tensor the batch keeps across steps: the new one leaves the caller's dispose scope, the old one is freed now.</summary>
    private static void Keep(ref Tensor? field, Tensor? value)
    {
        if (ReferenceEquals(field, value))
            return;
        value?.DetachFromDisposeScope();
        field?.Dispose();
        field = value;
    }

    /// <summary>Leading columns of <paramref name="mask"/> that are padding in every row.</summary>
    private static long LeadingPadding(Tensor mask)
    {
        using var scope = NewDisposeScope();
        var anyReal = mask.sum(0).gt(0).cpu().data<bool>().ToArray();
        int first = Array.IndexOf(anyReal, true);
        return first < 0 ? anyReal.Length : first;
    }

    private static bool HasPadding(Tensor mask) => mask.eq(0).any().item<bool>();

    private Tensor AllReal(long rows, long length) => ones(rows, length, dtype: ScalarType.Int64, device: _device);

    private Tensor LeftPadMask(Tensor mask, long length) =>
        mask.shape[1] == length ? mask : cat([zeros(mask.shape[0], length - mask.shape[1], dtype: mask.dtype, device: _device), mask], 1);

    /// <summary>[rows, length] ids and attention mask with each prompt right-aligned (left padding, pad id 0); the mask is null when no prompt is padded.</summary>
    private (Tensor Ids, Tensor? Mask) LeftPad(IReadOnlyList<DecodeRow> rows, int length)
    {
        var ids = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        for (int r = 0; r < rows.Count; r++)
        {
            var prompt = rows[r].PromptIds;
            int offset = r * length + length - prompt.Count;
            for (int t = 0; t < prompt.Count; t++)
            {
                ids[offset + t] = prompt[t];
                mask[offset + t] = 1;
            }
        }
        var idTensor = tensor(ids, device: _device).reshape(rows.Count, length);
        return rows.All(r => r.PromptIds.Count == length) ? (idTensor, null) : (idTensor, tensor(mask, device: _device).reshape(rows.Count, length));
    }
}
