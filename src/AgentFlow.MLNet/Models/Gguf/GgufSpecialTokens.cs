using System.Globalization;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// Reads the special-token ids of a GGUF file (<c>tokenizer.ggml.*_token_id</c>). GGUF writers say "no such token"
/// with an id past the vocabulary, usually 0xFFFFFFFF (-1 as uint32); llama.cpp then treats the token as absent and
/// warns, and so does this reader, for every key llama.cpp knows. A value that is not an integer is still corrupt.
/// </summary>
internal static class GgufSpecialTokens
{
    internal const string BosKey = "tokenizer.ggml.bos_token_id";
    internal const string EosKey = "tokenizer.ggml.eos_token_id";
    internal const string EotKey = "tokenizer.ggml.eot_token_id";
    internal const string EomKey = "tokenizer.ggml.eom_token_id";
    internal const string UnknownKey = "tokenizer.ggml.unknown_token_id";
    internal const string PaddingKey = "tokenizer.ggml.padding_token_id";

    /// <summary>
    /// Every special-token key llama.cpp reads, including the separator key's historical spelling ("seperator"),
    /// the classifier key and the deprecated <c>prefix</c>/<c>suffix</c>/<c>middle</c> fill-in-the-middle keys.
    /// </summary>
    internal static readonly IReadOnlyList<string> Keys =
    [
        BosKey, EosKey, EotKey, EomKey, UnknownKey,
        "tokenizer.ggml.seperator_token_id", PaddingKey, "tokenizer.ggml.cls_token_id", "tokenizer.ggml.mask_token_id",
        "tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.fim_mid_token_id",
        "tokenizer.ggml.fim_pad_token_id", "tokenizer.ggml.fim_rep_token_id", "tokenizer.ggml.fim_sep_token_id",
        "tokenizer.ggml.prefix_token_id", "tokenizer.ggml.suffix_token_id", "tokenizer.ggml.middle_token_id",
    ];

    /// <summary>
    /// The ids of <see cref="Keys"/> that name one of <paramref name="tokenCount"/> tokens. Each key whose id is
    /// negative or not below <paramref name="tokenCount"/> is left out, with a line added to <paramref name="warnings"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">A key holds something other than an integer.</exception>
    internal static Dictionary<string, int> Read(GgufMetadata metadata, int tokenCount, ICollection<string> warnings)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string key in Keys)
        {
            if (!metadata.TryGetValue(key, out object? value))
                continue;
            // A uint64 beyond long's range names no token either; every other type goes through the typed getter,
            // which rejects non-integers.
            long? id = value is ulong wide && wide > long.MaxValue ? -1 : metadata.GetInteger(key);
            if (id is long known && known >= 0 && known < tokenCount)
            {
                ids.Add(key, (int)known);
                continue;
            }
            warnings.Add($"'{metadata.Source}': {key} is {Convert.ToString(value, CultureInfo.InvariantCulture)}, which names none of the {tokenCount} tokens; " +
                "the file has no such token (as llama.cpp reads it).");
        }
        return ids;
    }
}
