using TorchSharp.Utils;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// Rotary position embeddings in the "rotate half" layout Llama and Qwen2 checkpoints use. Produces the
/// cos/sin tables for given positions once per forward; every layer applies them with <see cref="Apply"/>.
/// </summary>
internal sealed class RotaryEmbedding : nn.Module
{
    // Not a checkpoint tensor: registered as a non-persistent buffer so it moves with the module but is never saved.
    // The component name matches that registration, so registering the parent's components does not add it again as a
    // saved buffer under the field's name.
    [ComponentName(Name = "inv_freq")]
    private readonly Tensor _inverseFrequencies;
    private readonly long _halfHeadDim;

    internal RotaryEmbedding(CausalLMConfig config, IReadOnlyList<float>? frequencyDivisors = null) : base(nameof(RotaryEmbedding))
    {
        // Lives as long as the module, whatever dispose scope the model is built in.
        _inverseFrequencies = InverseFrequencies(config, frequencyDivisors).DetachFromDisposeScope();
        _halfHeadDim = config.HeadDimension / 2;
        register_buffer("inv_freq", _inverseFrequencies, persistent: false);
    }

    /// <summary>1 / theta^(2i/d) for each rotated pair, adjusted by Llama-3 scaling or explicit GGUF divisors.</summary>
    internal static Tensor InverseFrequencies(CausalLMConfig config, IReadOnlyList<float>? frequencyDivisors)
    {
        int dim = config.HeadDimension;
        var exponents = arange(0, dim, 2, dtype: ScalarType.Float64) / dim;
        var inverse = 1.0 / pow(config.RopeTheta, exponents);
        if (frequencyDivisors is not null)
        {
            if (frequencyDivisors.Count != dim / 2)
                throw new ArgumentException($"rope frequency divisors have {frequencyDivisors.Count} entries, expected head_dim / 2 = {dim / 2}.");
            inverse = inverse / tensor(frequencyDivisors.Select(f => (double)f).ToArray());
        }
        else if (config.RopeScaling is { } s)
        {
            inverse = ApplyLlama3Scaling(inverse, s);
        }
        return inverse.to(ScalarType.Float32);
    }

    private static Tensor ApplyLlama3Scaling(Tensor inverse, Llama3RopeScaling s)
    {
        double lowFrequencyWavelength = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        double highFrequencyWavelength = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        var wavelength = 2 * Math.PI / inverse;
        // Long wavelengths are slowed by the factor, short ones kept, and the band between interpolated.
        var scaled = where(wavelength > lowFrequencyWavelength, inverse / s.Factor, inverse);
        var smooth = (s.OriginalMaxPositionEmbeddings / wavelength - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        var blended = (1 - smooth) * scaled / s.Factor + smooth * scaled;
        var medium = (wavelength >= highFrequencyWavelength).logical_and(wavelength <= lowFrequencyWavelength);
        return where(medium, blended, scaled);
    }

    /// <summary>The rotation tables for <paramref name="positions"/> [batch, tokens], computed once per forward pass.</summary>
    internal RotaryTables Tables(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var angles = (positions.to(ScalarType.Float32).unsqueeze(-1) * _inverseFrequencies.to(positions.device)).unsqueeze(1);
        var sin = angles.sin();
        var cos = cat([angles, angles], dim: -1).cos().to(dtype).MoveToOuterDisposeScope();
        var signedSin = cat([-sin, sin], dim: -1).to(dtype).MoveToOuterDisposeScope();
        return new RotaryTables(cos, signedSin, _halfHeadDim);
    }

    /// <summary>
    /// Rotates <paramref name="x"/> [batch, heads, tokens, head_dim]: x · cos + rotate_half(x) · sin, where
    /// rotate_half(x) = [−x₂, x₁]. Rolling x by half a head gives [x₂, x₁], and the sign lives in
    /// <see cref="RotaryTables.SignedSin"/>, so a rotation is three operations; a decode step is dominated by the
    /// per-operation cost at small sizes.
    /// </summary>
    internal static Tensor Apply(Tensor x, RotaryTables tables)
    {
        return x.roll(tables.HalfHeadDim, -1).mul_(tables.SignedSin).addcmul_(x, tables.Cos, 1);
    }
}

/// <summary>
/// Rotary tables [batch, 1, tokens, head_dim] (broadcast over heads): <see cref="Cos"/> = cos θ for both halves of a
/// head, <see cref="SignedSin"/> = [−sin θ, sin θ].
/// </summary>
internal readonly record struct RotaryTables(Tensor Cos, Tensor SignedSin, long HalfHeadDim);
