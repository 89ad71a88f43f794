using AgentFlow.MLNet.Models.Decoder;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// Llama-3.1 rotary scaling as llama.cpp stores it: a <c>rope_freqs.weight</c> tensor holding, for each
/// rotary frequency, the divisor applied to it (1 for short wavelengths, <c>factor</c> for long ones, a
/// smooth blend between), computed as the converter's <c>LlamaModel.generate_extra_tensors</c> does.
/// </summary>
internal static class Llama3RopeFrequencies
{
    /// <summary>The <c>head_dim / 2</c> divisors for a model with <paramref name="config"/>'s rotary settings.</summary>
    internal static float[] Divisors(CausalLMConfig config, Llama3RopeScaling scaling)
    {
        int dimension = config.HeadDimension;
        double lowFrequencyWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.LowFreqFactor;
        double highFrequencyWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.HighFreqFactor;
        var divisors = new float[dimension / 2];
        for (int i = 0; i < divisors.Length; i++)
        {
            double frequency = 1 / Math.Pow(config.RopeTheta, 2.0 * i / dimension);
            double wavelength = 2 * Math.PI / frequency;
            if (wavelength < highFrequencyWavelength)
            {
                divisors[i] = 1;
            }
            else if (wavelength > lowFrequencyWavelength)
            {
                divisors[i] = (float)scaling.Factor;
            }
            else
            {
                double smooth = (scaling.OriginalMaxPositionEmbeddings / wavelength - scaling.LowFreqFactor)
                    / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                divisors[i] = (float)(1 / ((1 - smooth) / scaling.Factor + smooth));
            }
        }
        return divisors;
    }
}
