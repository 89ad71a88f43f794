using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>Loads Llama and Qwen2 models from llama.cpp GGUF files into Hugging Face-named tensors.</summary>
public static class GgufModelLoader
{
    /// <summary>
    /// Reads the model in <paramref name="path"/>: its configuration, every weight (decoded from F32, F16,
    /// BF16 or Q8_0 into <paramref name="dtype"/> on <paramref name="device"/>, one tensor at a time), its
    /// vocabulary and its Llama-3.1 rotary divisors. Every expected tensor is checked for presence, shape and
    /// a decodable type before any data is read. A special-token id that names no token (GGUF writers write
    /// 0xFFFFFFFF for "none") is left out with a line in <see cref="GgufModel.Warnings"/>, as llama.cpp does.
    /// To load a runnable model use <see cref="LocalModel.Load"/> or <see cref="CausalLMCheckpoint.Load"/>, which
    /// copy each weight into the model as it is decoded instead of holding them all.
    /// </summary>
    /// <param name="path">The <c>.gguf</c> file.</param>
    /// <param name="dtype">Element type of the weights. Default float32.</param>
    /// <param name="device">Device of the weights; the CPU when null.</param>
    /// <exception cref="InvalidDataException">The file is corrupt, or lacks a tensor or metadata the model needs, or has one of the wrong shape.</exception>
    /// <exception cref="NotSupportedException">The architecture, a model feature or a tensor type is not supported.</exception>
    public static GgufModel Load(string path, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var reader = GgufModelReader.Open(path);
        var weights = new Dictionary<string, Tensor>(reader.Slots.Count, StringComparer.Ordinal);
        try
        {
            for (int i = 0; i < reader.Slots.Count; i++)
                weights.Add(reader.Slots[i].HuggingFaceName, reader.ReadWeight(i, dtype, device));
        }
        catch
        {
            foreach (var weight in weights.Values)
                weight.Dispose();
            throw;
        }
        return new GgufModel(reader.Config, weights, reader.Vocabulary, reader.RopeFrequencyDivisors) { Warnings = reader.Warnings };
    }
}
