using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// Holds one input column's values for the rows a cursor has read ahead, so pass-through values stay aligned with
/// their row while the batch is solved. Vectors are copied into buffers the slot owns and copied out again.
/// </summary>
internal abstract class ColumnBuffer
{
    /// <summary>A buffer for <paramref name="column"/> of <paramref name="input"/> with room for <paramref name="capacity"/> rows.</summary>
    internal static ColumnBuffer Create(DataViewRow input, DataViewSchema.Column column, int capacity)
    {
        var type = column.Type is VectorDataViewType vector
            ? typeof(VectorColumnBuffer<>).MakeGenericType(vector.ItemType.RawType)
            : typeof(ScalarColumnBuffer<>).MakeGenericType(column.Type.RawType);
        return (ColumnBuffer)Activator.CreateInstance(type, input, column, capacity)!;
    }

    /// <summary>Copies the input's current value into <paramref name="slot"/>.</summary>
    internal abstract void Capture(int slot);

    /// <summary>A getter returning the value in the slot <paramref name="slot"/> names at call time.</summary>
    internal abstract Delegate Getter(Func<int> slot);
}

/// <summary>A scalar column's read-ahead values (text values are immutable memory, so the reference is kept).</summary>
internal sealed class ScalarColumnBuffer<T>(DataViewRow input, DataViewSchema.Column column, int capacity) : ColumnBuffer
{
    private readonly ValueGetter<T> _source = input.GetGetter<T>(column);
    private readonly T[] _values = new T[capacity];

    internal override void Capture(int slot) => _source(ref _values[slot]);

    internal override Delegate Getter(Func<int> slot) => (ValueGetter<T>)((ref T value) => value = _values[slot()]);
}

/// <summary>A vector column's read-ahead values, each in its own buffer.</summary>
internal sealed class VectorColumnBuffer<T>(DataViewRow input, DataViewSchema.Column column, int capacity) : ColumnBuffer
{
    private readonly ValueGetter<VBuffer<T>> _source = input.GetGetter<VBuffer<T>>(column);
    private readonly VBuffer<T>[] _values = new VBuffer<T>[capacity];
    private VBuffer<T> _scratch;

    // Read into a scratch buffer and copied: a getter may hand out a buffer it reuses for the next row.
    internal override void Capture(int slot)
    {
        _source(ref _scratch);
        _scratch.CopyTo(ref _values[slot]);
    }

    internal override Delegate Getter(Func<int> slot) => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[slot()].CopyTo(ref value));
}
