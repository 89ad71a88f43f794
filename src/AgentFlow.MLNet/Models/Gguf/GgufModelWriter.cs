using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Tokenization;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>Exports Llama and Qwen2 models to GGUF version 3 files that llama.cpp loads.</summary>
public static class GgufModelWriter
{
    /// <summary>The encodings <see cref="Write"/> can store 2-D weights in.</summary>
    public static readonly IReadOnlyList<GgmlType> SupportedWeightTypes = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0];

    /// <summary>
    /// Writes a model as llama.cpp's converter would: <c>{arch}.*</c> hyperparameters, the vocabulary, and
    /// every weight under its llama.cpp name with llama.cpp's dimension order, Llama q/k rows permuted to
    /// llama.cpp's rotary layout. 2-D weights are stored as <paramref name="weightType"/> (a Q8_0 weight whose
    /// rows are not a multiple of 32 falls back to F16, as in the converter); norms, biases and rotary divisors
    /// stay F32. The file is written to a temporary sibling and renamed into place.
    /// </summary>
    /// <param name="path">The <c>.gguf</c> file to create or replace.</param>
    /// <param name="config">The architecture.</param>
    /// <param name="weights">Every weight of the model under its Hugging Face name, in PyTorch layout.</param>
    /// <param name="vocabulary">The tokenizer to embed; its token ids take precedence over the config's. Its token
    /// count must equal <see cref="CausalLMConfig.VocabSize"/>, as llama.cpp requires.</param>
    /// <param name="weightType">Encoding of the 2-D weights: F32, F16 (the default, as in llama.cpp's converter), BF16 or Q8_0.</param>
    /// <param name="ropeFrequencyDivisors">Llama-3.1 rotary divisors to store as <c>rope_freqs.weight</c>, as
    /// <see cref="GgufModel.RopeFrequencyDivisors"/> returns them. When null they are computed from
    /// <see cref="CausalLMConfig.RopeScaling"/>, if set.</param>
    /// <exception cref="ArgumentException">A weight is missing, unexpected or of the wrong shape; the vocabulary does not
    /// fit the model; the type is not one of <see cref="SupportedWeightTypes"/>; or the model is a Qwen2 that llama.cpp's
    /// <c>qwen2</c> architecture cannot hold (a head_dim other than hidden_size / num_attention_heads, or MLP biases).</exception>
    public static void Write(
        string path,
        CausalLMConfig config,
        IReadOnlyDictionary<string, Tensor> weights,
        GgufVocabulary? vocabulary = null,
        GgmlType weightType = GgmlType.F16,
        float[]? ropeFrequencyDivisors = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        config.Validate();
        CheckLlamaCppHolds(config);
        if (!SupportedWeightTypes.Contains(weightType))
            throw new ArgumentException($"Weights cannot be written as {weightType}; supported: {string.Join(", ", SupportedWeightTypes)}.", nameof(weightType));
        if (vocabulary is not null && vocabulary.Tokens.Count != config.VocabSize)
            throw new ArgumentException($"The vocabulary has {vocabulary.Tokens.Count} tokens, but vocab_size is {config.VocabSize}; llama.cpp needs one token per embedding row.", nameof(vocabulary));

        var slots = GgufTensorMap.For(config);
        CheckWeights(weights, slots);
        var tensors = new List<GgufTensorEntry>(slots.Count + 1);
        if (RopeDivisors(config, ropeFrequencyDivisors) is { } divisors)
            tensors.Add(new GgufTensorEntry(GgufTensorMap.RopeFrequencies, [divisors.Length], GgmlType.F32, () => tensor(divisors)));
        foreach (var slot in slots)
        {
            var weight = weights[slot.HuggingFaceName];
            Func<Tensor> data = slot.RotaryHeads == 0 ? () => weight : () => LlamaRotaryPermutation.ToGguf(weight, slot.RotaryHeads);
            tensors.Add(new GgufTensorEntry(slot.GgufName, slot.Shape, StorageType(slot.Shape, weightType), data));
        }

        var metadata = GgufModelConfig.Write(config, weightType);
        if (vocabulary is not null)
        {
            metadata.AddRange(GgufVocabularyMetadata.Write(vocabulary));
        }
        else
        {
            if (config.BosTokenId is int bos)
                metadata.Add(new(GgufSpecialTokens.BosKey, (uint)bos));
            if (config.EosTokenIds.Count > 0)
                metadata.Add(new(GgufSpecialTokens.EosKey, (uint)config.EosTokenIds[0]));
        }
        GgufFileWriter.Write(path, metadata, tensors);
    }

    // llama.cpp's qwen2 loader (src/models/qwen2.cpp) sizes attn_q and attn_output as hidden x hidden and creates no
    // ffn biases, so it refuses such a file: "attn_q.weight has wrong shape", or "wrong number of tensors". Its llama
    // loader takes both. No released Qwen2 has either, and our reader would load the file, so without this check a
    // model would save without complaint and fail only in llama.cpp.
    private static void CheckLlamaCppHolds(CausalLMConfig config)
    {
        if (config.ModelType != "qwen2")
            return;
        long queryWidth = (long)config.NumAttentionHeads * config.HeadDimension;
        if (queryWidth != config.HiddenSize)
        {
            throw new ArgumentException(
                $"llama.cpp's qwen2 architecture needs num_attention_heads x head_dim ({config.NumAttentionHeads} x {config.HeadDimension} = {queryWidth}) to equal hidden_size ({config.HiddenSize}); "
                + "it refuses the file (attn_q.weight has the wrong shape). Save this model as safetensors instead.", nameof(config));
        }
        if (config.MlpBias)
            throw new ArgumentException("llama.cpp's qwen2 architecture has no MLP biases (mlp_bias is true); it refuses a file that carries them. Save this model as safetensors instead.", nameof(config));
    }

    private static void CheckWeights(IReadOnlyDictionary<string, Tensor> weights, IReadOnlyList<GgufTensorSlot> slots)
    {
        foreach (var slot in slots)
        {
            if (!weights.TryGetValue(slot.HuggingFaceName, out var weight))
                throw new ArgumentException($"The weights have no '{slot.HuggingFaceName}'.", nameof(weights));
            if (!weight.shape.SequenceEqual(slot.Shape))
                throw new ArgumentException($"Weight '{slot.HuggingFaceName}' has shape [{string.Join(", ", weight.shape)}], but the config implies [{string.Join(", ", slot.Shape)}].", nameof(weights));
            if (!weight.is_floating_point())
                throw new ArgumentException($"Weight '{slot.HuggingFaceName}' has element type {weight.dtype}; a floating-point type was expected.", nameof(weights));
        }
        var expected = slots.Select(s => s.HuggingFaceName).ToHashSet(StringComparer.Ordinal);
        var unexpected = weights.Keys.Where(name => !expected.Contains(name)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
            throw new ArgumentException($"The weights include names this {slots.Count}-tensor model does not have: {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")}.", nameof(weights));
    }

    private static float[]? RopeDivisors(CausalLMConfig config, float[]? ropeFrequencyDivisors)
    {
        if (ropeFrequencyDivisors is null)
            return config.RopeScaling is { } scaling ? Llama3RopeFrequencies.Divisors(config, scaling) : null;
        if (config.RopeScaling is not null)
            throw new ArgumentException("Give either rope frequency divisors or a config with RopeScaling, not both.", nameof(ropeFrequencyDivisors));
        if (ropeFrequencyDivisors.Length != config.HeadDimension / 2)
            throw new ArgumentException($"There are {ropeFrequencyDivisors.Length} rope frequency divisors, but head_dim / 2 is {config.HeadDimension / 2}.", nameof(ropeFrequencyDivisors));
        return ropeFrequencyDivisors;
    }

    // As in llama.cpp's converter: 1-D tensors stay F32, and a row that is not a whole number of
    // Q8_0 blocks falls back to F16.
    private static GgmlType StorageType(long[] shape, GgmlType weightType) => shape.Length switch
    {
        1 => GgmlType.F32,
        _ when weightType == GgmlType.Q8_0 && shape[^1] % Q8_0Block.Elements != 0 => GgmlType.F16,
        _ => weightType,
    };
}
