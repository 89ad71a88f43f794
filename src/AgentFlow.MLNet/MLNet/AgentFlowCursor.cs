using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// A cursor over a transformed view. When an added column is wanted it reads up to
/// <see cref="AgentFlowTransformOptions.BatchSize"/> input rows ahead, keeps their pass-through values, solves them
/// together (one batch at a time: cancellation and errors surface at batch boundaries) and then serves them in
/// order. When no added column is wanted it is the input cursor itself, and nothing is solved.
/// </summary>
internal sealed class AgentFlowCursor : DataViewRowCursor
{
    private readonly AgentFlowBinding _binding;
    private readonly DataViewRowCursor _input;
    private readonly bool[] _active;
    private readonly bool _solving;
    private readonly ColumnBuffer?[] _buffers;
    private readonly ValueGetter<DataViewRowId> _idSource;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _question;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _gold;
    private readonly DataViewRowId[] _ids;
    private readonly long[] _batches;
    private readonly List<(long Position, string? Question, string? Gold)> _pending;
    private SolvedRow[] _solved = [];
    private int _slot = -1;
    private bool _exhausted;
    private long _position = -1;

    internal AgentFlowCursor(AgentFlowBinding binding, DataViewRowCursor input, IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        _binding = binding;
        _input = input;
        _active = new bool[binding.OutputSchema.Count];
        foreach (var column in columnsNeeded)
            _active[column.Index] = true;
        _solving = binding.NeedsSolving(i => _active[i]);
        _idSource = input.GetIdGetter();
        int capacity = binding.Pipeline.Options.BatchSize;
        _buffers = new ColumnBuffer?[binding.FirstAdded];
        _ids = new DataViewRowId[capacity];
        _batches = new long[capacity];
        _pending = new(capacity);
        if (!_solving)
            return;
        binding.Pipeline.ThrowIfDisposed();
        for (int i = 0; i < _buffers.Length; i++)
        {
            if (_active[i])
                _buffers[i] = ColumnBuffer.Create(input, binding.InputSchema[i], capacity);
        }
        _question = input.GetGetter<ReadOnlyMemory<char>>(binding.Question);
        _gold = binding.Label is { } label ? input.GetGetter<ReadOnlyMemory<char>>(label) : null;
    }

    public override DataViewSchema Schema => _binding.OutputSchema;

    public override long Position => _solving ? _position : _input.Position;

    // The input has read ahead: each served row reports the batch it was read in, as its id and values do.
    public override long Batch => _solving && _slot >= 0 ? _batches[_slot] : _input.Batch;

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override bool MoveNext()
    {
        if (!_solving)
            return _input.MoveNext();
        if (++_slot >= _pending.Count)
        {
            if (_exhausted || !Fill())
                return false;
            _slot = 0;
        }
        _position++;
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() =>
        _solving ? (ref DataViewRowId id) => id = _ids[_slot] : _idSource;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!_active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor; ask for it in columnsNeeded.");
        if (column.Index >= _binding.FirstAdded)
            return _binding.AddedGetter<TValue>(column.Index, () => _solved[_slot]);
        if (!_solving)
            return _input.GetGetter<TValue>(_binding.InputSchema[column.Index]);
        if (typeof(TValue) != column.Type.RawType)
            throw new InvalidOperationException($"Column '{column.Name}' is of type {column.Type}; it cannot be read as {typeof(TValue).Name}.");
        return (ValueGetter<TValue>)_buffers[column.Index]!.Getter(() => _slot);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _input.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Reads the next batch of input rows and solves them; false when the input had none left.</summary>
    private bool Fill()
    {
        var cancellationToken = _binding.Pipeline.Options.CancellationToken;
        cancellationToken.ThrowIfCancellationRequested();
        _pending.Clear();
        int capacity = _ids.Length;
        while (_pending.Count < capacity && _input.MoveNext())
        {
            int slot = _pending.Count;
            foreach (var buffer in _buffers)
                buffer?.Capture(slot);
            _idSource(ref _ids[slot]);
            _batches[slot] = _input.Batch;
            // The row id, not the cursor position, seeds the row: it is the same in a cursor set as in a single cursor.
            _pending.Add(((long)_ids[slot].Low, AgentFlowBinding.ReadText(_question), AgentFlowBinding.ReadText(_gold)));
        }
        if (_pending.Count < capacity)
            _exhausted = true;
        if (_pending.Count == 0)
            return false;
        _solved = _binding.SolveAsync(_pending, cancellationToken).GetAwaiter().GetResult();
        return true;
    }
}
