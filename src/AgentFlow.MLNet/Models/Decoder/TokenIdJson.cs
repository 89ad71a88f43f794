using System.Text.Json.Nodes;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// Reads the token-id fields of Hugging Face JSON files (<c>bos_token_id</c>, <c>eos_token_id</c> in config.json and
/// generation_config.json). transformers accepts any id there, so a value that names no token — null, -1 (the usual
/// "none"), or one past the vocabulary — is read as no token, with a warning, never as an error.
/// </summary>
internal static class TokenIdJson
{
    /// <summary>
    /// The ids in <paramref name="root"/>[<paramref name="field"/>]: one integer, a list of them, or null. An id that is
    /// negative or not below <paramref name="vocabSize"/> (when known) is left out with a line in
    /// <paramref name="warnings"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The field holds something other than integers (a string, a fraction, an object).</exception>
    internal static List<int> Read(JsonObject root, string field, string source, int? vocabSize, ICollection<string>? warnings)
    {
        var node = root[field];
        // Not a collection expression: that would build a JsonArray and re-parent the node.
        IEnumerable<JsonNode?> items = node is JsonArray list ? list : new[] { node };
        var ids = new List<int>();
        foreach (var item in items)
        {
            if (item is null)
                continue;
            if (item is not JsonValue value || !value.TryGetValue(out long id))
                throw new InvalidDataException($"'{source}': {field} should be a token id, a list of token ids or null, but it holds {item.ToJsonString()}.");
            if (id >= 0 && id <= int.MaxValue && (vocabSize is not int size || id < size))
            {
                ids.Add((int)id);
                continue;
            }
            string range = vocabSize is int rows ? $"none of the {rows} tokens (vocab_size)" : "no token";
            warnings?.Add($"'{source}': {field} {id} names {range}; it is ignored.");
        }
        return ids;
    }
}
