using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;

namespace AgentFlow.MLNet.Models;

/// <summary>
/// A model's own sampling defaults (Hugging Face <c>generation_config.json</c>), used wherever a caller leaves an
/// option unset. Absent fields stay null.
/// </summary>
public sealed record GenerationDefaults
{
    /// <summary><c>temperature</c>; applies only when <see cref="DoSample"/> is not false.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary><c>top_k</c>.</summary>
    public int? TopK { get; init; }

    /// <summary><c>do_sample</c>: false means greedy decoding.</summary>
    public bool? DoSample { get; init; }

    /// <summary><c>max_new_tokens</c>.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary><c>eos_token_id</c> (one or a list): the ids that end generation.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>The file name Hugging Face folders use.</summary>
    public const string FileName = "generation_config.json";

    /// <summary>
    /// Reads <c>generation_config.json</c> in <paramref name="folder"/>, or returns empty defaults when there is none.
    /// An <c>eos_token_id</c> that names no token (null or negative) is left out; other token-id fields
    /// (<c>bos_token_id</c>, <c>pad_token_id</c>) are not used and may hold anything.
    /// </summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="warnings">Receives a line for each value left out; null discards them.</param>
    public static GenerationDefaults Load(string folder, ICollection<string>? warnings = null)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            return new GenerationDefaults();
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"'{path}' does not hold a JSON object.");
            return new GenerationDefaults
            {
                Temperature = root["temperature"]?.GetValue<double>(),
                TopP = root["top_p"]?.GetValue<double>(),
                TopK = root["top_k"]?.GetValue<int>(),
                DoSample = root["do_sample"]?.GetValue<bool>(),
                MaxNewTokens = root["max_new_tokens"]?.GetValue<int>(),
                // The vocabulary is not known here: LocalModel drops ids past the model's embedding.
                EosTokenIds = TokenIdJson.Read(root, "eos_token_id", path, vocabSize: null, warnings),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"'{path}' is not a valid generation config: {e.Message}", e);
        }
    }

    /// <summary>
    /// These defaults as a <c>generation_config.json</c> that <see cref="Load"/> and transformers read: the set fields,
    /// plus <paramref name="config"/>'s BOS id and (when none is set here) its EOS ids.
    /// </summary>
    internal string ToJson(CausalLMConfig config)
    {
        var root = new JsonObject();
        if (config.BosTokenId is int bos)
            root["bos_token_id"] = bos;
        var eos = EosTokenIds.Count > 0 ? EosTokenIds : config.EosTokenIds;
        if (eos.Count == 1)
            root["eos_token_id"] = eos[0];
        else if (eos.Count > 1)
            root["eos_token_id"] = new JsonArray([.. eos.Select(id => (JsonNode)id)]);
        if (DoSample is bool doSample)
            root["do_sample"] = doSample;
        if (Temperature is double temperature)
            root["temperature"] = temperature;
        if (TopP is double topP)
            root["top_p"] = topP;
        if (TopK is int topK)
            root["top_k"] = topK;
        if (MaxNewTokens is int maxNewTokens)
            root["max_new_tokens"] = maxNewTokens;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Sampling options from <paramref name="template"/>, with each explicit value winning, then these defaults.</summary>
    internal SamplingOptions Apply(double? temperature, double? topP, int? topK, int? maxNewTokens, SamplingOptions template) => template with
    {
        Temperature = temperature ?? (DoSample == false ? 0 : Temperature ?? template.Temperature),
        TopP = topP ?? TopP ?? template.TopP,
        TopK = topK ?? TopK ?? template.TopK,
        MaxNewTokens = maxNewTokens ?? MaxNewTokens ?? template.MaxNewTokens,
    };
}
