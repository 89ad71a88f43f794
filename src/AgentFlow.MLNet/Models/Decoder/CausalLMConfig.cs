using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// The architecture of a decoder-only model of the Llama / Qwen2 family, with Hugging Face
/// <c>config.json</c> field meanings. One configurable implementation covers both families:
/// they differ only in q/k/v bias, rotary scaling and defaults.
/// </summary>
public sealed record CausalLMConfig
{
    /// <summary>The families this implementation computes exactly.</summary>
    public static readonly IReadOnlyList<string> SupportedModelTypes = ["llama", "qwen2"];

    /// <summary><c>model_type</c>: <c>llama</c> or <c>qwen2</c>.</summary>
    public required string ModelType { get; init; }

    /// <summary><c>vocab_size</c>: rows of the embedding and of the LM head.</summary>
    public required int VocabSize { get; init; }

    /// <summary><c>hidden_size</c>: width of the residual stream.</summary>
    public required int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c>: width of the SwiGLU MLP.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c>: query heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c>: key/value heads (grouped-query attention); defaults to the query heads.</summary>
    public int NumKeyValueHeads { get; init; }

    /// <summary><c>head_dim</c>; defaults to <see cref="HiddenSize"/> / <see cref="NumAttentionHeads"/>.</summary>
    public int HeadDim { get; init; }

    /// <summary><c>rms_norm_eps</c>. Default 1e-6.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary><c>rope_theta</c>: rotary base. Default 10000.</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary><c>rope_scaling</c> of type <c>llama3</c>, or null for plain rotary embeddings.</summary>
    public Llama3RopeScaling? RopeScaling { get; init; }

    /// <summary><c>max_position_embeddings</c>: the context length the model was trained for. Default 2048.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary><c>tie_word_embeddings</c>: the LM head shares the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Bias on the q/k/v projections (always for Qwen2; <c>attention_bias</c> for Llama). o_proj never has one.</summary>
    public bool AttentionBias { get; init; }

    /// <summary><c>mlp_bias</c>: bias on gate/up/down projections (Llama option, off by default).</summary>
    public bool MlpBias { get; init; }

    /// <summary><c>bos_token_id</c>, when the config names one.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c> (one id or a list).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>torch_dtype</c> (or <c>dtype</c>) the checkpoint was saved in, e.g. <c>bfloat16</c>.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>Key/value heads in effect (<see cref="NumKeyValueHeads"/>, or the query heads when unset).</summary>
    public int KeyValueHeads => NumKeyValueHeads > 0 ? NumKeyValueHeads : NumAttentionHeads;

    /// <summary>Head dimension in effect (<see cref="HeadDim"/>, or hidden size / heads when unset).</summary>
    public int HeadDimension => HeadDim > 0 ? HeadDim : HiddenSize / NumAttentionHeads;

    /// <summary>
    /// Parameters this architecture has, computed without building it (a tied head counted once): what the
    /// model will weigh before a byte is loaded.
    /// </summary>
    public long ParameterCount
    {
        get
        {
            long d = HiddenSize, q = (long)NumAttentionHeads * HeadDimension, kv = (long)KeyValueHeads * HeadDimension, ffn = IntermediateSize;
            long attention = d * q + 2 * d * kv + q * d + (AttentionBias ? q + 2 * kv : 0);
            long mlp = 3 * d * ffn + (MlpBias ? 2 * ffn + d : 0);
            long layer = attention + mlp + 2 * d;
            long embeddings = (long)VocabSize * d * (TieWordEmbeddings ? 1 : 2);
            return embeddings + NumHiddenLayers * layer + d;
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that makes the architecture impossible.</summary>
    public void Validate()
    {
        if (!SupportedModelTypes.Contains(ModelType))
            throw new NotSupportedException($"model_type '{ModelType}' is not supported; supported: {string.Join(", ", SupportedModelTypes)}.");
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (HeadDim <= 0 && HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}; set head_dim.");
        if (HeadDimension % 2 != 0)
            throw new ArgumentException($"head_dim {HeadDimension} must be even for rotary embeddings.");
        if (NumAttentionHeads % KeyValueHeads != 0)
            throw new ArgumentException($"num_attention_heads {NumAttentionHeads} is not a multiple of num_key_value_heads {KeyValueHeads}.");
        if (RmsNormEps <= 0 || RopeTheta <= 0)
            throw new ArgumentException("rms_norm_eps and rope_theta must be positive.");
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
            throw new ArgumentException($"{name} must be positive, but it is {value}.");
    }

    /// <summary>Reads a Hugging Face <c>config.json</c>, rejecting features this implementation would silently get wrong.</summary>
    /// <param name="path">The config.json file.</param>
    /// <param name="warnings">See <see cref="Parse"/>.</param>
    public static CausalLMConfig Load(string path, ICollection<string>? warnings = null) => Parse(File.ReadAllText(path), path, warnings);

    /// <summary>
    /// Parses the text of a Hugging Face <c>config.json</c>. A <c>bos_token_id</c> or <c>eos_token_id</c> that names no
    /// token (null, negative, or not below <c>vocab_size</c>) is left out of <see cref="BosTokenId"/> /
    /// <see cref="EosTokenIds"/>, as transformers would never match it.
    /// </summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">Names the file in errors and warnings.</param>
    /// <param name="warnings">Receives a line for each value left out; null discards them.</param>
    public static CausalLMConfig Parse(string json, string source = "config.json", ICollection<string>? warnings = null)
    {
        try
        {
            return ParseFields(json, source, warnings);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException || e.GetType() == typeof(ArgumentException))
        {
            // Malformed JSON, duplicate keys, or a field of the wrong JSON type (e.g. "hidden_size": "896").
            throw new InvalidDataException($"'{source}' is not a valid model config: {e.Message}", e);
        }
    }

    private static CausalLMConfig ParseFields(string json, string source, ICollection<string>? warnings)
    {
        var root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"'{source}' does not hold a JSON object.");
        string modelType = root["model_type"]?.GetValue<string>() ?? throw new InvalidDataException($"'{source}' has no model_type.");
        if (!SupportedModelTypes.Contains(modelType))
            throw new NotSupportedException($"'{source}': model_type '{modelType}' is not supported; supported: {string.Join(", ", SupportedModelTypes)}.");

        string act = root["hidden_act"]?.GetValue<string>() ?? "silu";
        if (act != "silu")
            throw new NotSupportedException($"'{source}': hidden_act '{act}' is not supported; the SwiGLU MLP needs 'silu'.");
        foreach (string moe in (string[])["num_experts", "num_local_experts", "n_routed_experts"])
        {
            if (root[moe] is JsonNode n && n.GetValue<int>() > 0)
                throw new NotSupportedException($"'{source}': mixture-of-experts models ({moe} = {n}) are not supported.");
        }
        bool sliding = root["use_sliding_window"]?.GetValue<bool>() ?? false;
        int maxPositions = Int(root, "max_position_embeddings") ?? 2048;
        if (sliding && (Int(root, "sliding_window") ?? int.MaxValue) < maxPositions)
            throw new NotSupportedException($"'{source}': use_sliding_window with sliding_window {Int(root, "sliding_window")} < max_position_embeddings {maxPositions} is not supported.");

        var ropeParameters = root["rope_parameters"] as JsonObject;
        int vocabSize = Int(root, "vocab_size") ?? throw Missing(source, "vocab_size");
        var bos = TokenIdJson.Read(root, "bos_token_id", source, vocabSize, warnings);
        if (bos.Count > 1)
            throw new InvalidDataException($"'{source}': bos_token_id should be one token id, but it lists {bos.Count}.");
        var config = new CausalLMConfig
        {
            ModelType = modelType,
            VocabSize = vocabSize,
            HiddenSize = Int(root, "hidden_size") ?? throw Missing(source, "hidden_size"),
            IntermediateSize = Int(root, "intermediate_size") ?? throw Missing(source, "intermediate_size"),
            NumHiddenLayers = Int(root, "num_hidden_layers") ?? throw Missing(source, "num_hidden_layers"),
            NumAttentionHeads = Int(root, "num_attention_heads") ?? throw Missing(source, "num_attention_heads"),
            NumKeyValueHeads = Int(root, "num_key_value_heads") ?? 0,
            HeadDim = Int(root, "head_dim") ?? 0,
            RmsNormEps = root["rms_norm_eps"]?.GetValue<double>() ?? 1e-6,
            RopeTheta = root["rope_theta"]?.GetValue<double>() ?? ropeParameters?["rope_theta"]?.GetValue<double>() ?? 10000,
            RopeScaling = ParseRopeScaling(root["rope_scaling"] as JsonObject ?? ropeParameters, source),
            MaxPositionEmbeddings = maxPositions,
            TieWordEmbeddings = root["tie_word_embeddings"]?.GetValue<bool>() ?? false,
            AttentionBias = modelType == "qwen2" || (root["attention_bias"]?.GetValue<bool>() ?? false),
            MlpBias = root["mlp_bias"]?.GetValue<bool>() ?? false,
            BosTokenId = bos.Count == 1 ? bos[0] : null,
            EosTokenIds = TokenIdJson.Read(root, "eos_token_id", source, vocabSize, warnings),
            TorchDtype = root["torch_dtype"]?.GetValue<string>() ?? root["dtype"]?.GetValue<string>(),
        };
        config.Validate();
        return config;
    }

    private static Llama3RopeScaling? ParseRopeScaling(JsonObject? scaling, string source)
    {
        if (scaling is null)
            return null;
        string type = scaling["rope_type"]?.GetValue<string>() ?? scaling["type"]?.GetValue<string>() ?? "default";
        if (type == "default")
            return null;
        if (type != "llama3")
            throw new NotSupportedException($"'{source}': rope scaling type '{type}' is not supported; supported: llama3.");
        return new Llama3RopeScaling(
            Factor: scaling["factor"]?.GetValue<double>() ?? throw Missing(source, "rope_scaling.factor"),
            LowFreqFactor: scaling["low_freq_factor"]?.GetValue<double>() ?? throw Missing(source, "rope_scaling.low_freq_factor"),
            HighFreqFactor: scaling["high_freq_factor"]?.GetValue<double>() ?? throw Missing(source, "rope_scaling.high_freq_factor"),
            OriginalMaxPositionEmbeddings: scaling["original_max_position_embeddings"]?.GetValue<int>() ?? throw Missing(source, "rope_scaling.original_max_position_embeddings"));
    }

    /// <summary>Writes this configuration as a Hugging Face <c>config.json</c> that transformers and vLLM read.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray(ModelType == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = KeyValueHeads,
            ["head_dim"] = HeadDimension,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["attention_bias"] = AttentionBias,
            ["mlp_bias"] = MlpBias,
        };
        if (RopeScaling is { } s)
        {
            root["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "llama3",
                ["factor"] = s.Factor,
                ["low_freq_factor"] = s.LowFreqFactor,
                ["high_freq_factor"] = s.HighFreqFactor,
                ["original_max_position_embeddings"] = s.OriginalMaxPositionEmbeddings,
            };
        }
        if (BosTokenId is int bos)
            root["bos_token_id"] = bos;
        if (EosTokenIds.Count == 1)
            root["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1)
            root["eos_token_id"] = new JsonArray(EosTokenIds.Select(id => (JsonNode)id).ToArray());
        if (TorchDtype is not null)
            root["torch_dtype"] = TorchDtype;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static int? Int(JsonObject root, string name) => root[name] is JsonValue v ? v.GetValue<int>() : null;

    private static InvalidDataException Missing(string source, string field) => new($"'{source}' is missing the required field {field}.");
}

/// <summary>
/// Llama-3.1 style rotary scaling (<c>rope_scaling.rope_type = "llama3"</c>): long wavelengths are divided by
/// <see cref="Factor"/>, short ones kept, and the band between blended smoothly.
/// </summary>
public sealed record Llama3RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);
