using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// Which rows of the batch being computed use the model's LoRA adapters. One instance belongs to a
/// <see cref="CausalLM"/> and is shared by all its <see cref="AdaptableLinear"/> projections; the model sets it for
/// the duration of one forward pass, so a single decode batch can mix the trained planner (adapters on) with the
/// frozen modules and the reference policy (adapters off) over one copy of the weights.
/// </summary>
internal sealed class AdapterRouting
{
    private bool[]? _rows;
    private Tensor? _rowMask;

    /// <summary>True when no row of the current pass uses adapters.</summary>
    internal bool AllOff { get; private set; }

    /// <summary>True when every row of the current pass uses adapters (no masking needed).</summary>
    internal bool AllOn { get; private set; } = true;

    /// <summary>
    /// Routes the next forward pass: row i uses adapters when <paramref name="rows"/>[i] is true; null means every
    /// row does. Disposing the returned scope restores the previous routing.
    /// </summary>
    internal IDisposable Route(IReadOnlyList<bool>? rows)
    {
        var previous = (_rows, _rowMask, AllOff, AllOn);
        _rows = rows?.ToArray();
        _rowMask = null;
        AllOn = _rows is null || Array.TrueForAll(_rows, on => on);
        AllOff = _rows is not null && Array.TrueForAll(_rows, on => !on);
        return new Restore(this, previous);
    }

    /// <summary>[batch, 1, 1] float32 mask of the routed rows for a pass of <paramref name="batch"/> rows on <paramref name="device"/>.</summary>
    internal Tensor RowMask(long batch, Device device)
    {
        if (_rows is null || _rows.Length != batch)
            throw new InvalidOperationException($"Adapters are routed for {_rows?.Length ?? 0} rows, but the pass has {batch}.");
        if (_rowMask is null || _rowMask.device != device)
        {
            _rowMask?.Dispose();
            _rowMask = tensor(_rows.Select(on => on ? 1f : 0f).ToArray(), device: device).view(-1, 1, 1).DetachFromDisposeScope();
        }
        return _rowMask;
    }

    private sealed class Restore(AdapterRouting routing, (bool[]? Rows, Tensor? Mask, bool AllOff, bool AllOn) previous) : IDisposable
    {
        public void Dispose()
        {
            if (!ReferenceEquals(routing._rowMask, previous.Mask))
                routing._rowMask?.Dispose();
            (routing._rows, routing._rowMask, routing.AllOff, routing.AllOn) = previous;
        }
    }
}
