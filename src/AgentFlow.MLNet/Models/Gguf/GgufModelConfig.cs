using AgentFlow.MLNet.Models.Decoder;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// Maps between <see cref="CausalLMConfig"/> and llama.cpp's <c>{arch}.*</c> hyperparameter metadata.
/// Features the causal LM does not compute (other architectures, mixture of experts, linear or YaRN rope
/// scaling, partial rotary dimensions) are rejected with <see cref="NotSupportedException"/> rather than
/// loaded into a model that would silently compute something else.
/// </summary>
internal static class GgufModelConfig
{
    internal const string ArchitectureKey = "general.architecture";
    internal const string FileTypeKey = "general.file_type";
    /// <summary>
    /// Reads the configuration of the model in <paramref name="file"/>, without token ids: those come from
    /// <see cref="WithSpecialTokens"/> once they are checked against the vocabulary.
    /// </summary>
    internal static CausalLMConfig Read(GgufFile file)
    {
        var metadata = file.Metadata;
        string architecture = metadata.GetString(ArchitectureKey)
            ?? throw new InvalidDataException($"'{file.Path}' has no {ArchitectureKey} metadata.");
        if (!CausalLMConfig.SupportedModelTypes.Contains(architecture))
            throw new NotSupportedException($"'{file.Path}': architecture '{architecture}' is not supported; supported: {string.Join(", ", CausalLMConfig.SupportedModelTypes)}.");

        int? Optional(string suffix) => ToInt(metadata.GetInteger($"{architecture}.{suffix}"), $"{architecture}.{suffix}", file.Path);
        int Required(string suffix) => Optional(suffix)
            ?? throw new InvalidDataException($"'{file.Path}' is missing the metadata {architecture}.{suffix}.");

        if (Optional("expert_count") is > 0)
            throw new NotSupportedException($"'{file.Path}': mixture-of-experts models ({architecture}.expert_count = {Optional("expert_count")}) are not supported.");
        RejectRopeScaling(metadata, architecture, file.Path);

        int hidden = Required("embedding_length");
        int heads = Required("attention.head_count");
        int keyLength = Optional("attention.key_length") ?? 0;
        int? valueLength = Optional("attention.value_length");
        if (valueLength is int v && v != (keyLength > 0 ? keyLength : hidden / heads))
            throw new NotSupportedException($"'{file.Path}': {architecture}.attention.value_length {v} differs from the key length; the causal LM needs equal key and value head sizes.");
        var tokenEmbedding = file.FindTensor(GgufTensorMap.TokenEmbedding)
            ?? throw new InvalidDataException($"'{file.Path}' has no tensor '{GgufTensorMap.TokenEmbedding}' (model.embed_tokens.weight).");

        var config = new CausalLMConfig
        {
            ModelType = architecture,
            VocabSize = Optional("vocab_size") ?? (tokenEmbedding.Shape is [long rows, _]
                ? ToInt(rows, GgufTensorMap.TokenEmbedding, file.Path)!.Value
                : throw new InvalidDataException($"'{file.Path}': tensor '{GgufTensorMap.TokenEmbedding}' has shape [{string.Join(", ", tokenEmbedding.Shape)}], expected [vocab, hidden].")),
            HiddenSize = hidden,
            IntermediateSize = Required("feed_forward_length"),
            NumHiddenLayers = Required("block_count"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = Optional("attention.head_count_kv") ?? heads,
            HeadDim = keyLength,
            RmsNormEps = metadata.GetFloat($"{architecture}.attention.layer_norm_rms_epsilon")
                ?? throw new InvalidDataException($"'{file.Path}' is missing the metadata {architecture}.attention.layer_norm_rms_epsilon."),
            RopeTheta = metadata.GetFloat($"{architecture}.rope.freq_base") ?? 10000,
            MaxPositionEmbeddings = Required("context_length"),
            TieWordEmbeddings = file.FindTensor(GgufTensorMap.Output) is null,
            AttentionBias = file.FindTensor(GgufTensorMap.FirstQueryBias) is not null,
            MlpBias = file.FindTensor(GgufTensorMap.FirstGateBias) is not null,
            TorchDtype = ToInt(metadata.GetInteger(FileTypeKey), FileTypeKey, file.Path) switch
            {
                FileTypes.AllF32 => "float32",
                FileTypes.MostlyF16 => "float16",
                FileTypes.MostlyBF16 => "bfloat16",
                _ => null,
            },
        };
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{file.Path}' describes an impossible model: {e.Message}", e);
        }
        if (Optional("rope.dimension_count") is int rotary && rotary != config.HeadDimension)
            throw new NotSupportedException($"'{file.Path}': {architecture}.rope.dimension_count {rotary} is not the head size {config.HeadDimension}; partial rotary embeddings are not supported.");
        return config;
    }

    /// <summary>
    /// <paramref name="config"/> with the BOS id and the EOS ids (end of sequence, of turn, of message) among
    /// <paramref name="specialTokenIds"/>, the ids <see cref="GgufSpecialTokens.Read"/> found to name tokens.
    /// </summary>
    internal static CausalLMConfig WithSpecialTokens(CausalLMConfig config, IReadOnlyDictionary<string, int> specialTokenIds) => config with
    {
        BosTokenId = specialTokenIds.TryGetValue(GgufSpecialTokens.BosKey, out int bos) ? bos : null,
        EosTokenIds = new[] { GgufSpecialTokens.EosKey, GgufSpecialTokens.EotKey, GgufSpecialTokens.EomKey }
            .Where(specialTokenIds.ContainsKey)
            .Select(key => specialTokenIds[key])
            .Distinct()
            .ToList(),
    };

    /// <summary>
    /// The <c>general.*</c> and <c>{arch}.*</c> metadata for <paramref name="config"/> with 2-D weights
    /// stored as <paramref name="weightType"/>, in the order llama.cpp's converter writes them.
    /// </summary>
    internal static List<KeyValuePair<string, object>> Write(CausalLMConfig config, GgmlType weightType)
    {
        string a = config.ModelType;
        return
        [
            new(ArchitectureKey, a),
            new(FileTypeKey, (uint)FileTypes.For(weightType)),
            new($"{a}.vocab_size", (uint)config.VocabSize),
            new($"{a}.context_length", (uint)config.MaxPositionEmbeddings),
            new($"{a}.embedding_length", (uint)config.HiddenSize),
            new($"{a}.block_count", (uint)config.NumHiddenLayers),
            new($"{a}.feed_forward_length", (uint)config.IntermediateSize),
            new($"{a}.attention.head_count", (uint)config.NumAttentionHeads),
            new($"{a}.attention.head_count_kv", (uint)config.KeyValueHeads),
            new($"{a}.attention.key_length", (uint)config.HeadDimension),
            new($"{a}.attention.value_length", (uint)config.HeadDimension),
            new($"{a}.rope.dimension_count", (uint)config.HeadDimension),
            new($"{a}.rope.freq_base", (float)config.RopeTheta),
            new($"{a}.attention.layer_norm_rms_epsilon", (float)config.RmsNormEps),
        ];
    }

    // Llama-3.1 scaling arrives as the rope_freqs tensor and needs no key; any scaling announced by
    // key changes the rotary maths in a way the causal LM does not implement.
    private static void RejectRopeScaling(GgufMetadata metadata, string architecture, string path)
    {
        string? type = metadata.GetString($"{architecture}.rope.scaling.type");
        double factor = metadata.GetFloat($"{architecture}.rope.scaling.factor") ?? 1;
        if (type is not null && type != "none" && !(type == "linear" && factor == 1))
            throw new NotSupportedException($"'{path}': rope scaling '{type}' (factor {factor}) is not supported; only Llama-3.1 scaling through rope_freqs is.");
        double legacyLinear = metadata.GetFloat($"{architecture}.rope.scale_linear") ?? 1;
        if (legacyLinear != 1)
            throw new NotSupportedException($"'{path}': linear rope scaling ({architecture}.rope.scale_linear = {legacyLinear}) is not supported.");
    }

    private static int? ToInt(long? value, string item, string path) => value switch
    {
        null => null,
        >= int.MinValue and <= int.MaxValue => (int)value.Value,
        _ => throw new InvalidDataException($"'{path}': {item} is {value}, outside the range of a 32-bit integer."),
    };

    /// <summary>llama.cpp's <c>general.file_type</c> (<c>llama_ftype</c>) values for the types this library writes.</summary>
    private static class FileTypes
    {
        internal const int AllF32 = 0;
        internal const int MostlyF16 = 1;
        internal const int MostlyQ8_0 = 7;
        internal const int MostlyBF16 = 32;

        internal static int For(GgmlType weightType) => weightType switch
        {
            GgmlType.F32 => AllF32,
            GgmlType.F16 => MostlyF16,
            GgmlType.BF16 => MostlyBF16,
            GgmlType.Q8_0 => MostlyQ8_0,
            _ => throw new ArgumentException($"No llama.cpp file type for weights stored as {weightType}.", nameof(weightType)),
        };
    }
}
