using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// Rotary position embeddings in the "rotate half" layout Llama and Qwen2 checkpoints use. Produces the
/// cos/sin tables for given positions once per forward; every layer applies them with <see cref="Apply"/>.
/// </summary>
internal sealed class RotaryEmbedding : nn.Module
{
    // Not a checkpoint tensor: registered as a non-persistent buffer so it moves with the module but is never saved.
    private readonly Tensor _inverseFrequencies;

    internal RotaryEmbedding(CausalLMConfig config, IReadOnlyList<float>? frequencyDivisors = null) : base(nameof(RotaryEmbedding))
    {
        // Lives as long as the module, whatever dispose scope the model is built in.
        _inverseFrequencies = InverseFrequencies(config, frequencyDivisors).DetachFromDisposeScope();
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

    /// <summary>cos and sin tables of shape [batch, tokens, head_dim] for <paramref name="positions"/> [batch, tokens].</summary>
    internal (Tensor Cos, Tensor Sin) Tables(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1) * _inverseFrequencies.to(positions.device);
        var doubled = cat([angles, angles], dim: -1);
        var cos = doubled.cos().to(dtype).MoveToOuterDisposeScope();
        var sin = doubled.sin().to(dtype).MoveToOuterDisposeScope();
        return (cos, sin);
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, tokens, head_dim] by the tables from <see cref="Tables"/>.</summary>
    internal static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], dim: -1);
        return (x * cos.unsqueeze(1) + rotated * sin.unsqueeze(1)).MoveToOuterDisposeScope();
    }
}
