using System.Buffers.Binary;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// ggml's Q8_0 blocks: 32 values stored as one fp16 scale <c>d</c> followed by 32 signed bytes <c>q</c>,
/// meaning <c>d * q</c>. Quantisation follows ggml's reference (<c>quantize_row_q8_0_ref</c>):
/// <c>d = max|x| / 127</c>, <c>q = round(x / d)</c> rounding half away from zero, computed with the
/// float32 <c>d</c> before it is stored as fp16.
/// </summary>
internal static class Q8_0Block
{
    /// <summary>Values per block.</summary>
    internal const int Elements = 32;

    /// <summary>Bytes per block.</summary>
    internal const int Bytes = 2 + Elements;

    /// <summary>Quantises <paramref name="values"/> (a whole number of blocks) into <paramref name="blocks"/>.</summary>
    internal static void Quantize(ReadOnlySpan<float> values, Span<byte> blocks)
    {
        for (int block = 0; block < values.Length / Elements; block++)
        {
            var x = values.Slice(block * Elements, Elements);
            var output = blocks.Slice(block * Bytes, Bytes);
            float maxAbs = 0;
            foreach (float value in x)
                maxAbs = MathF.Max(maxAbs, MathF.Abs(value));
            float d = maxAbs / 127;
            float inverse = d != 0 ? 1 / d : 0;
            BinaryPrimitives.WriteHalfLittleEndian(output, (Half)d);
            for (int i = 0; i < Elements; i++)
                output[2 + i] = (byte)(sbyte)MathF.Round(x[i] * inverse, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>Expands <paramref name="blocks"/> into <paramref name="values"/> (32 per block).</summary>
    internal static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> values)
    {
        for (int block = 0; block < values.Length / Elements; block++)
        {
            var input = blocks.Slice(block * Bytes, Bytes);
            var output = values.Slice(block * Elements, Elements);
            float d = (float)BinaryPrimitives.ReadHalfLittleEndian(input);
            for (int i = 0; i < Elements; i++)
                output[i] = d * (sbyte)input[2 + i];
        }
    }
}
