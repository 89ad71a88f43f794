using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// The key/value metadata of a GGUF file. Values have their natural .NET types: <see cref="byte"/>,
/// <see cref="sbyte"/>, <see cref="ushort"/>, <see cref="short"/>, <see cref="uint"/>, <see cref="int"/>,
/// <see cref="ulong"/>, <see cref="long"/>, <see cref="float"/>, <see cref="double"/>, <see cref="bool"/>,
/// <see cref="string"/>; an array is a typed array of those (<c>uint[]</c>, <c>string[]</c>, ...), and an
/// array of arrays is an <see cref="Array"/><c>[]</c> whose items are arrays in turn. The typed getters
/// return null for an absent key and throw <see cref="InvalidDataException"/> naming the file and key when
/// the value has the wrong type.
/// </summary>
public sealed class GgufMetadata : IReadOnlyDictionary<string, object>
{
    private static readonly HashSet<Type> IntegerTypes =
        [typeof(byte), typeof(sbyte), typeof(ushort), typeof(short), typeof(uint), typeof(int), typeof(ulong), typeof(long)];

    private readonly IReadOnlyDictionary<string, object> _values;

    internal GgufMetadata(IReadOnlyDictionary<string, object> values, string source)
    {
        _values = values;
        Source = source;
    }

    /// <summary>The file the metadata came from, used in error messages.</summary>
    public string Source { get; }

    /// <summary>A string value.</summary>
    public string? GetString(string key) => Get(key, "a string", value => value as string);

    /// <summary>A boolean value.</summary>
    public bool? GetBoolean(string key) => Get<bool?>(key, "a boolean", value => value is bool b ? b : null);

    /// <summary>An integer value of any width and signedness, as a <see cref="long"/>.</summary>
    public long? GetInteger(string key) => Get(key, "an integer", AsInteger);

    /// <summary>
    /// A floating-point value. A float32 is widened through its shortest decimal form, so a value written
    /// from the decimal <c>1e-6</c> reads back as exactly <c>1e-6</c> rather than as <c>9.99999997e-7</c>.
    /// </summary>
    public double? GetFloat(string key) => Get<double?>(key, "a floating-point number", value => value switch
    {
        float f => double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        double d => d,
        _ => null,
    });

    /// <summary>An array of strings.</summary>
    public IReadOnlyList<string>? GetStringArray(string key) => Get(key, "an array of strings", value => value as string[]);

    /// <summary>An array of float32 values.</summary>
    public float[]? GetFloat32Array(string key) => Get(key, "an array of float32", value => value as float[]);

    /// <summary>An array of integers of any width that all fit in an <see cref="int"/>.</summary>
    public int[]? GetInt32Array(string key) => Get(key, "an array of 32-bit integers", value => value switch
    {
        int[] ints => ints,
        Array array when IntegerTypes.Contains(array.GetType().GetElementType()!) => ToInt32s(array),
        _ => null,
    });

    private static int[]? ToInt32s(Array integers)
    {
        var result = new int[integers.Length];
        for (int i = 0; i < result.Length; i++)
        {
            if (AsInteger(integers.GetValue(i)!) is not long v || v < int.MinValue || v > int.MaxValue)
                return null;
            result[i] = (int)v;
        }
        return result;
    }

    private static long? AsInteger(object value) => value switch
    {
        byte v => v,
        sbyte v => v,
        ushort v => v,
        short v => v,
        uint v => v,
        int v => v,
        ulong v when v <= long.MaxValue => (long)v,
        long v => v,
        _ => null,
    };

    private T? Get<T>(string key, string expected, Func<object, T?> convert)
    {
        if (!_values.TryGetValue(key, out object? value))
            return default;
        return convert(value) ?? throw new InvalidDataException(
            $"'{Source}': metadata key '{key}' holds {Describe(value)}, but {expected} was expected.");
    }

    private static string Describe(object value) => value is Array array
        ? $"a {value.GetType().Name} of {array.Length} items"
        : $"the {value.GetType().Name} {Convert.ToString(value, CultureInfo.InvariantCulture)}";

    /// <inheritdoc/>
    public object this[string key] => _values[key];

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _values.Keys;

    /// <inheritdoc/>
    public IEnumerable<object> Values => _values.Values;

    /// <inheritdoc/>
    public int Count => _values.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object value) => _values.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
