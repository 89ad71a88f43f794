using System.Text;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// Writes GGUF metadata values from the .NET types <see cref="GgufMetadata"/> reads them as: each scalar
/// type maps to its GGUF type, a typed array to an array of that type, and an <see cref="Array"/><c>[]</c>
/// to an array of arrays.
/// </summary>
internal static class GgufValueWriter
{
    /// <summary>Writes a GGUF string: a uint64 byte length and the UTF-8 bytes.</summary>
    internal static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>Writes <paramref name="value"/>'s type tag and the value; <paramref name="key"/> names it in errors.</summary>
    internal static void WriteTagged(BinaryWriter writer, string key, object value)
    {
        writer.Write((uint)TypeOf(value.GetType(), key));
        WriteValue(writer, key, value);
    }

    private static void WriteValue(BinaryWriter writer, string key, object value)
    {
        switch (value)
        {
            case byte v: writer.Write(v); break;
            case sbyte v: writer.Write(v); break;
            case ushort v: writer.Write(v); break;
            case short v: writer.Write(v); break;
            case uint v: writer.Write(v); break;
            case int v: writer.Write(v); break;
            case ulong v: writer.Write(v); break;
            case long v: writer.Write(v); break;
            case float v: writer.Write(v); break;
            case double v: writer.Write(v); break;
            case bool v: writer.Write((byte)(v ? 1 : 0)); break;
            case string v: WriteString(writer, v); break;
            case Array array:
                var elementType = array.GetType().GetElementType()!;
                writer.Write((uint)TypeOf(elementType, key));
                writer.Write((ulong)array.Length);
                // Items carry no tag of their own: the element type applies to all of them.
                foreach (object item in array)
                    WriteValue(writer, key, item);
                break;
            default:
                throw new ArgumentException($"Metadata '{key}' has a value of type {value.GetType().Name}, which GGUF cannot store.", nameof(value));
        }
    }

    private static GgufValueType TypeOf(Type type, string key)
    {
        if (type == typeof(byte)) return GgufValueType.UInt8;
        if (type == typeof(sbyte)) return GgufValueType.Int8;
        if (type == typeof(ushort)) return GgufValueType.UInt16;
        if (type == typeof(short)) return GgufValueType.Int16;
        if (type == typeof(uint)) return GgufValueType.UInt32;
        if (type == typeof(int)) return GgufValueType.Int32;
        if (type == typeof(ulong)) return GgufValueType.UInt64;
        if (type == typeof(long)) return GgufValueType.Int64;
        if (type == typeof(float)) return GgufValueType.Float32;
        if (type == typeof(double)) return GgufValueType.Float64;
        if (type == typeof(bool)) return GgufValueType.Bool;
        if (type == typeof(string)) return GgufValueType.String;
        if (type == typeof(Array) || (type.IsArray && type.GetArrayRank() == 1)) return GgufValueType.Array;
        throw new ArgumentException($"Metadata '{key}' has a value of type {type.Name}, which GGUF cannot store.");
    }
}
