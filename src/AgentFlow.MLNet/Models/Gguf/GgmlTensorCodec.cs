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

    private static void DecodeRaw(Stream stream, Tensor flat, ScalarType source)
    {
        long total = flat.numel();
        // Same type on the CPU: read straight into the result's memory.
        bool direct = IsCpuWithType(flat, source);
        using var staging = direct ? null : empty(Math.Min(total, ChunkElements), source);
        for (long done = 0; done < total; done += ChunkElements)
        {
            long count = Math.Min(ChunkElements, total - done);
            using var destination = flat.narrow(0, done, count);
            if (direct)
            {
                stream.ReadExactly(destination.bytes);
                continue;
            }
            using var part = staging!.narrow(0, 0, count);
            stream.ReadExactly(part.bytes);
            destination.copy_(part);
        }
    }

    private static void DecodeQ8_0(Stream stream, Tensor flat)
    {
        long totalBlocks = flat.numel() / Q8_0Block.Elements;
        int chunkBlocks = (int)Math.Min(totalBlocks, ChunkElements / Q8_0Block.Elements);
        var raw = new byte[chunkBlocks * Q8_0Block.Bytes];
        bool direct = IsCpuWithType(flat, ScalarType.Float32);
        using var staging = direct ? null : empty(chunkBlocks * Q8_0Block.Elements, ScalarType.Float32);
        for (long done = 0; done < totalBlocks; done += chunkBlocks)
        {
            int blocks = (int)Math.Min(chunkBlocks, totalBlocks - done);
            var bytes = raw.AsSpan(0, blocks * Q8_0Block.Bytes);
            stream.ReadExactly(bytes);
            using var destination = flat.narrow(0, done * Q8_0Block.Elements, blocks * Q8_0Block.Elements);
            using var part = direct ? null : staging!.narrow(0, 0, blocks * Q8_0Block.Elements);
            Q8_0Block.Dequantize(bytes, MemoryMarshal.Cast<byte, float>((part ?? destination).bytes));
            if (part is not null)
                destination.copy_(part);
        }
    }

    private static void EncodeRaw(Stream stream, Tensor flat, ScalarType target)
    {
        long total = flat.numel();
        bool direct = IsCpuWithType(flat, target);
        using var staging = direct ? null : empty(Math.Min(total, ChunkElements), target);
        for (long done = 0; done < total; done += ChunkElements)
        {
            long count = Math.Min(ChunkElements, total - done);
            using var source = flat.narrow(0, done, count);
            if (direct)
            {
                stream.Write(source.bytes);
                continue;
            }
            using var part = staging!.narrow(0, 0, count);
            part.copy_(source);
            stream.Write(part.bytes);
        }
    }

    private static void EncodeQ8_0(Stream stream, Tensor flat)
    {
        long totalBlocks = flat.numel() / Q8_0Block.Elements;
        int chunkBlocks = (int)Math.Min(totalBlocks, ChunkElements / Q8_0Block.Elements);
        var raw = new byte[chunkBlocks * Q8_0Block.Bytes];
        bool direct = IsCpuWithType(flat, ScalarType.Float32);
        using var staging = direct ? null : empty(chunkBlocks * Q8_0Block.Elements, ScalarType.Float32);
        for (long done = 0; done < totalBlocks; done += chunkBlocks)
        {
            int blocks = (int)Math.Min(chunkBlocks, totalBlocks - done);
            using var source = flat.narrow(0, done * Q8_0Block.Elements, blocks * Q8_0Block.Elements);
            using var part = direct ? null : staging!.narrow(0, 0, blocks * Q8_0Block.Elements);
            part?.copy_(source);
            var bytes = raw.AsSpan(0, blocks * Q8_0Block.Bytes);
            Q8_0Block.Quantize(MemoryMarshal.Cast<byte, float>((part ?? source).bytes), bytes);
            stream.Write(bytes);
        }
    }
}
