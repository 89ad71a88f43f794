using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// Converts tensor data between ggml encodings (F32, F16, BF16, Q8_0) and TorchSharp tensors, streaming
/// through a bounded staging buffer so that a multi-gigabyte tensor never needs a second full copy in
/// managed memory. Element order is the same on both sides: ggml's innermost dimension is PyTorch's last.
/// </summary>
internal static class GgmlTensorCodec
{
    // 1 Mi elements (4 MiB of float32) per step: large enough to amortise the per-step calls,
    // small enough to stay cheap next to a model.
    private const int ChunkElements = 1 << 20;

    /// <summary>Whether <paramref name="type"/> can be decoded and encoded.</summary>
    internal static bool IsSupported(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.Q8_0;

    /// <summary>
    /// Reads <paramref name="info"/>'s data from <paramref name="stream"/> at <paramref name="fileOffset"/>
    /// into a new tensor of PyTorch shape <see cref="GgufTensorInfo.Shape"/>, <paramref name="dtype"/> and
    /// <paramref name="device"/>.
    /// </summary>
    internal static Tensor Decode(Stream stream, long fileOffset, GgufTensorInfo info, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var result = empty(info.Shape, dtype, device);
        var flat = result.view(-1);
        stream.Position = fileOffset;
        if (info.Type == GgmlType.Q8_0)
            DecodeQ8_0(stream, flat);
        else
            DecodeRaw(stream, flat, ToScalarType(info.Type));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Writes <paramref name="data"/> (any dtype or device) to <paramref name="stream"/> encoded as <paramref name="type"/>.</summary>
    internal static void Encode(Stream stream, Tensor data, GgmlType type)
    {
        using var scope = NewDisposeScope();
        var flat = data.detach().contiguous().view(-1);
        if (type == GgmlType.Q8_0)
            EncodeQ8_0(stream, flat);
        else
            EncodeRaw(stream, flat, ToScalarType(type));
    }

    private static ScalarType ToScalarType(GgmlType type) => type switch
    {
        GgmlType.F32 => ScalarType.Float32,
        GgmlType.F16 => ScalarType.Float16,
        GgmlType.BF16 => ScalarType.BFloat16,
        _ => throw new NotSupportedException($"ggml type {type} has no TorchSharp element type."),
    };

    private static bool IsCpuWithType(Tensor tensor, ScalarType dtype) => tensor.dtype == dtype && tensor.device_type == DeviceType.CPU;

    /// <summary>Receives one chunk's elements as raw bytes.</summary>
    private delegate void ChunkAction(Span<byte> elements);

    /// <summary>
    /// Walks <paramref name="flat"/> <see cref="ChunkElements"/> at a time (a multiple of the Q8_0 block), handing
    /// <paramref name="action"/> each chunk's bytes as <paramref name="type"/> on the CPU: the tensor's own memory when
    /// it already is that, otherwise a staging buffer that is filled from the chunk first (encoding) or copied into
    /// it afterwards (<paramref name="fillsTensor"/>, decoding).
    /// </summary>
    private static void ForEachChunk(Tensor flat, ScalarType type, bool fillsTensor, ChunkAction action)
    {
        long total = flat.numel();
        bool direct = IsCpuWithType(flat, type);
        using var staging = direct ? null : empty(Math.Min(total, ChunkElements), type);
        for (long done = 0; done < total; done += ChunkElements)
        {
            long count = Math.Min(ChunkElements, total - done);
            using var chunk = flat.narrow(0, done, count);
            using var part = direct ? null : staging!.narrow(0, 0, count);
            if (part is not null && !fillsTensor)
                part.copy_(chunk);
            action((part ?? chunk).bytes);
            if (part is not null && fillsTensor)
                chunk.copy_(part);
        }
    }

    private static void DecodeRaw(Stream stream, Tensor flat, ScalarType source) =>
        ForEachChunk(flat, source, fillsTensor: true, bytes => stream.ReadExactly(bytes));

    private static void EncodeRaw(Stream stream, Tensor flat, ScalarType target) =>
        ForEachChunk(flat, target, fillsTensor: false, bytes => stream.Write(bytes));

    private static void DecodeQ8_0(Stream stream, Tensor flat)
    {
        var blocks = new byte[QuantizedBytes(Math.Min(flat.numel(), ChunkElements))];
        ForEachChunk(flat, ScalarType.Float32, fillsTensor: true, elements =>
        {
            var floats = MemoryMarshal.Cast<byte, float>(elements);
            var encoded = blocks.AsSpan(0, QuantizedBytes(floats.Length));
            stream.ReadExactly(encoded);
            Q8_0Block.Dequantize(encoded, floats);
        });
    }

    private static void EncodeQ8_0(Stream stream, Tensor flat)
    {
        var blocks = new byte[QuantizedBytes(Math.Min(flat.numel(), ChunkElements))];
        ForEachChunk(flat, ScalarType.Float32, fillsTensor: false, elements =>
        {
            var floats = MemoryMarshal.Cast<byte, float>(elements);
            var encoded = blocks.AsSpan(0, QuantizedBytes(floats.Length));
            Q8_0Block.Quantize(floats, encoded);
            stream.Write(encoded);
        });
    }

    /// <summary>Bytes that <paramref name="elements"/> values (a multiple of the block size) take as Q8_0.</summary>
    private static int QuantizedBytes(long elements) => (int)(elements / Q8_0Block.Elements * Q8_0Block.Bytes);
}
