using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Tokenization;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// An open GGUF model file whose configuration, vocabulary, rotary divisors and expected tensors (presence, shape,
/// decodable type) are all read and checked when it is opened, and whose weights are then decoded one at a time on
/// request. Loading through it holds the model and a single decoded weight at once, never every weight twice.
/// </summary>
internal sealed class GgufModelReader : IDisposable
{
    private readonly GgufFile _file;
    private readonly IReadOnlyList<GgufTensorInfo> _infos;

    private GgufModelReader(GgufFile file, CausalLMConfig config, GgufVocabulary? vocabulary, float[]? ropeDivisors,
        IReadOnlyList<GgufTensorSlot> slots, IReadOnlyList<GgufTensorInfo> infos, IReadOnlyList<string> warnings)
    {
        _file = file;
        Config = config;
        Vocabulary = vocabulary;
        RopeFrequencyDivisors = ropeDivisors;
        Slots = slots;
        _infos = infos;
        Warnings = warnings;
    }

    /// <summary>The architecture, with the special-token ids that name tokens.</summary>
    internal CausalLMConfig Config { get; }

    /// <summary>The tokenizer the file carries, or null.</summary>
    internal GgufVocabulary? Vocabulary { get; }

    /// <summary>The file's <c>rope_freqs.weight</c>, or null.</summary>
    internal float[]? RopeFrequencyDivisors { get; }

    /// <summary>Every weight the model needs, each present in the file with the right shape and a decodable type.</summary>
    internal IReadOnlyList<GgufTensorSlot> Slots { get; }

    /// <summary>What was tolerated while reading the metadata (e.g. a special-token id that names no token).</summary>
    internal IReadOnlyList<string> Warnings { get; }

    /// <summary>Opens <paramref name="path"/> and checks everything but the weights' bytes.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt, or lacks a tensor or metadata the model needs, or has one of the wrong shape.</exception>
    /// <exception cref="NotSupportedException">The architecture, a model feature or a tensor type is not supported.</exception>
    internal static GgufModelReader Open(string path)
    {
        var file = GgufFile.Open(path);
        try
        {
            var warnings = new List<string>();
            var architecture = GgufModelConfig.Read(file);
            // Special ids are checked against the token list, as llama.cpp does; without one, against the embedding rows.
            int tokenCount = GgufVocabularyMetadata.TokenCount(file.Metadata) ?? architecture.VocabSize;
            var specialTokenIds = GgufSpecialTokens.Read(file.Metadata, tokenCount, warnings);
            var config = GgufModelConfig.WithSpecialTokens(architecture, specialTokenIds);
            var vocabulary = GgufVocabularyMetadata.Read(file.Metadata, specialTokenIds, warnings);
            var slots = GgufTensorMap.For(config);
            var infos = slots.Select(slot => Find(file, slot)).ToList();
            var ropeDivisors = ReadRopeDivisors(file, config);
            return new GgufModelReader(file, config, vocabulary, ropeDivisors, slots, infos, warnings);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes the weight of <c>Slots[index]</c> into a new tensor of <paramref name="dtype"/> on <paramref name="device"/>
    /// (the CPU when null) in Hugging Face layout (Llama q/k rows restored from llama.cpp's order). The caller owns it.
    /// </summary>
    internal Tensor ReadWeight(int index, ScalarType dtype, Device? device = null)
    {
        var slot = Slots[index];
        if (slot.RotaryHeads == 0)
            return _file.ReadTensor(_infos[index], dtype, device);
        using var scope = NewDisposeScope();
        return LlamaRotaryPermutation.FromGguf(_file.ReadTensor(_infos[index], dtype, device), slot.RotaryHeads).MoveToOuterDisposeScope();
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

    private static float[]? ReadRopeDivisors(GgufFile file, CausalLMConfig config)
    {
        if (file.FindTensor(GgufTensorMap.RopeFrequencies) is not { } info)
            return null;
        if (!info.Shape.SequenceEqual([config.HeadDimension / 2]))
            throw new InvalidDataException($"'{file.Path}': tensor '{info.Name}' has shape [{string.Join(", ", info.Shape)}], expected [{config.HeadDimension / 2}] (head_dim / 2).");
        using var divisors = file.ReadTensor(info, ScalarType.Float32);
        return divisors.data<float>().ToArray();
    }

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();
}
