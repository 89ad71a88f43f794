namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// The element encoding of a tensor in a GGUF file, with ggml's numeric ids. This library decodes
/// <see cref="F32"/>, <see cref="F16"/>, <see cref="BF16"/> and <see cref="Q8_0"/>; the other types
/// are known by size (so files holding them can be opened and inspected) but not decoded.
/// </summary>
public enum GgmlType : uint
{
    /// <summary>IEEE 754 single precision.</summary>
    F32 = 0,
    /// <summary>IEEE 754 half precision.</summary>
    F16 = 1,
    /// <summary>4-bit blocks of 32 with one scale.</summary>
    Q4_0 = 2,
    /// <summary>4-bit blocks of 32 with scale and minimum.</summary>
    Q4_1 = 3,
    /// <summary>5-bit blocks of 32 with one scale.</summary>
    Q5_0 = 6,
    /// <summary>5-bit blocks of 32 with scale and minimum.</summary>
    Q5_1 = 7,
    /// <summary>8-bit blocks of 32: one fp16 scale and 32 signed bytes.</summary>
    Q8_0 = 8,
    /// <summary>8-bit blocks of 32 with scale and sum (used for activations).</summary>
    Q8_1 = 9,
    /// <summary>2-bit k-quant super-blocks of 256.</summary>
    Q2_K = 10,
    /// <summary>3-bit k-quant super-blocks of 256.</summary>
    Q3_K = 11,
    /// <summary>4-bit k-quant super-blocks of 256.</summary>
    Q4_K = 12,
    /// <summary>5-bit k-quant super-blocks of 256.</summary>
    Q5_K = 13,
    /// <summary>6-bit k-quant super-blocks of 256.</summary>
    Q6_K = 14,
    /// <summary>8-bit k-quant super-blocks of 256.</summary>
    Q8_K = 15,
    /// <summary>2.06-bit importance quantisation.</summary>
    IQ2_XXS = 16,
    /// <summary>2.31-bit importance quantisation.</summary>
    IQ2_XS = 17,
    /// <summary>3.06-bit importance quantisation.</summary>
    IQ3_XXS = 18,
    /// <summary>1.56-bit importance quantisation.</summary>
    IQ1_S = 19,
    /// <summary>4-bit non-linear blocks of 32.</summary>
    IQ4_NL = 20,
    /// <summary>3.44-bit importance quantisation.</summary>
    IQ3_S = 21,
    /// <summary>2.5-bit importance quantisation.</summary>
    IQ2_S = 22,
    /// <summary>4.25-bit non-linear super-blocks of 256.</summary>
    IQ4_XS = 23,
    /// <summary>Signed 8-bit integers.</summary>
    I8 = 24,
    /// <summary>Signed 16-bit integers.</summary>
    I16 = 25,
    /// <summary>Signed 32-bit integers.</summary>
    I32 = 26,
    /// <summary>Signed 64-bit integers.</summary>
    I64 = 27,
    /// <summary>IEEE 754 double precision.</summary>
    F64 = 28,
    /// <summary>1.75-bit importance quantisation.</summary>
    IQ1_M = 29,
    /// <summary>bfloat16: the upper half of an IEEE single.</summary>
    BF16 = 30,
    /// <summary>Ternary 1.69-bit super-blocks of 256.</summary>
    TQ1_0 = 34,
    /// <summary>Ternary 2.06-bit super-blocks of 256.</summary>
    TQ2_0 = 35,
    /// <summary>Microscaling FP4 blocks of 32.</summary>
    MXFP4 = 39,
    /// <summary>NVIDIA FP4 blocks of 64 with E4M3 scales.</summary>
    NVFP4 = 40,
    /// <summary>1-bit blocks of 128.</summary>
    Q1_0 = 41,
}
