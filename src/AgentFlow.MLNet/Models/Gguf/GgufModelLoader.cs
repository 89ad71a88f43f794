using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>Loads Llama and Qwen2 models from llama.cpp GGUF files into Hugging Face-named tensors.</summary>
public static class GgufModelLoader
{
    /// <summary>
    /// Reads the model in <paramref name="path"/>: its configuration, every weight (decoded from F32, F16,
    /// BF16 or Q8_0 into <paramref name="dtype"/> on <paramref name="device"/>, one tensor at a time), its
    /// vocabulary and its Llama-3.1 rotary divisors. Every expected tensor is checked for presence, shape and
    /// a decodable type before any data is read.
    /// </summary>
    /// <param name="path">The <c>.gguf</c> file.</param>
    /// <param name="dtype">Element type of the weights. Default float32.</param>
    /// <param name="device">Device of the weights; the CPU when null.</param>
    /// <exception cref="InvalidDataException">The file is corrupt, or lacks a tensor or metadata the model needs, or has one of the wrong shape.</exception>
    /// <exception cref="NotSupportedException">The architecture, a model feature or a tensor type is not supported.</exception>
    public static GgufModel Load(string path, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var file = GgufFile.Open(path);
        var config = GgufModelConfig.Read(file);
        var vocabulary = GgufVocabularyMetadata.Read(file.Metadata);
        var slots = GgufTensorMap.For(config);
        var infos = slots.Select(slot => Find(file, slot)).ToList();
        float[]? ropeDivisors = ReadRopeDivisors(file, config);

        var weights = new Dictionary<string, Tensor>(slots.Count, StringComparer.Ordinal);
        try
        {
            for (int i = 0; i < slots.Count; i++)
                weights.Add(slots[i].HuggingFaceName, Read(file, infos[i], slots[i], dtype, device));
        }
        catch
        {
            foreach (var weight in weights.Values)
                weight.Dispose();
            throw;
        }
        return new GgufModel(config, weights, vocabulary, ropeDivisors);
    }

    private static GgufTensorInfo Find(GgufFile file, GgufTensorSlot slot)
    {
        var info = file.FindTensor(slot.GgufName)
            ?? throw new InvalidDataException($"'{file.Path}' has no tensor '{slot.GgufName}' ({slot.HuggingFaceName}).");
        if (!info.Shape.SequenceEqual(slot.Shape))
        {
            throw new InvalidDataException($"'{file.Path}': tensor '{slot.GgufName}' ({slot.HuggingFaceName}) has shape " +
                $"[{string.Join(", ", info.Shape)}], but the model's metadata implies [{string.Join(", ", slot.Shape)}] (PyTorch order).");
        }
        if (!GgmlTensorCodec.IsSupported(info.Type))
            throw new NotSupportedException($"'{file.Path}': tensor '{slot.GgufName}' is stored as {info.Type}; supported types are F32, F16, BF16 and Q8_0.");
        return info;
    }

    private static Tensor Read(GgufFile file, GgufTensorInfo info, GgufTensorSlot slot, ScalarType dtype, Device? device)
    {
        if (slot.RotaryHeads == 0)
            return file.ReadTensor(info, dtype, device);
        using var scope = NewDisposeScope();
        return LlamaRotaryPermutation.FromGguf(file.ReadTensor(info, dtype, device), slot.RotaryHeads).MoveToOuterDisposeScope();
    }

    private static float[]? ReadRopeDivisors(GgufFile file, CausalLMConfig config)
    {
        if (file.FindTensor(GgufTensorMap.RopeFrequencies) is not { } info)
            return null;
        if (!info.Shape.SequenceEqual([config.HeadDimension / 2]))
            throw new InvalidDataException($"'{file.Path}': tensor '{info.Name}' has shape [{string.Join(", ", info.Shape)}], expected [{config.HeadDimension / 2}] (head_dim / 2).");
        using var divisors = file.ReadTensor(info, ScalarType.Float32);
        return divisors.data<float>().ToArray();
    }
}
