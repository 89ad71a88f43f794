using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// The parts of a Hugging Face <c>tokenizer.json</c> that a byte-level BPE tokenizer is built from. Only the
/// layout Llama 3 / Qwen2 / GPT-2 use is accepted; anything else is refused with the field named, because
/// a tokenizer that silently ignores a stage gives wrong ids.
/// </summary>
/// <param name="Vocabulary"><c>model.vocab</c>: token text (in <see cref="ByteLevelAlphabet"/> characters) to id.</param>
/// <param name="Merges"><c>model.merges</c> as "left right" strings, best first.</param>
/// <param name="AddedTokens"><c>added_tokens</c>.</param>
/// <param name="PreTokenizerPattern">The split regex of <c>pre_tokenizer</c>.</param>
/// <param name="NfcNormalization"><c>normalizer</c> is NFC.</param>
/// <param name="IgnoreMerges"><c>model.ignore_merges</c>: a word found whole in the vocabulary is one token (tiktoken behaviour).</param>
/// <param name="PrependedToken">The special token <c>post_processor</c> puts before every sequence (Llama 3's BOS), if any.</param>
internal sealed record TokenizerJson(
    Dictionary<string, int> Vocabulary,
    List<string> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    string PreTokenizerPattern,
    bool NfcNormalization,
    bool IgnoreMerges,
    string? PrependedToken)
{
    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    public static TokenizerJson Read(string path)
    {
        using var document = JsonFile.Parse(path);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"'{path}' should hold a JSON object, found {root.ValueKind}.");

        var model = JsonFile.Required(root, "model", JsonValueKind.Object, path, "");
        var modelType = JsonFile.OptionalString(model, "type", path, "model.") ?? "BPE";
        if (modelType != "BPE")
            throw new NotSupportedException($"'{path}': model.type '{modelType}' is not supported; only byte-level BPE tokenizer.json files (type BPE) are.");
        if (JsonFile.OptionalBool(model, "byte_fallback", path, "model.") == true)
            throw new NotSupportedException($"'{path}': model.byte_fallback is a SentencePiece-style BPE (Llama 2 family); load its tokenizer.model instead.");
        foreach (var affix in (string[])["continuing_subword_prefix", "end_of_word_suffix"])
        {
            if (!string.IsNullOrEmpty(JsonFile.OptionalString(model, affix, path, "model.")))
                throw new NotSupportedException($"'{path}': model.{affix} is set, which byte-level BPE does not use.");
        }

        RequireByteLevelDecoder(root, path);
        return new TokenizerJson(
            ReadVocabulary(model, path),
            ReadMerges(model, path),
            ReadAddedTokens(root, path),
            ReadPreTokenizerPattern(root, path),
            ReadNormalizer(root, path),
            JsonFile.OptionalBool(model, "ignore_merges", path, "model.") ?? false,
            ReadPrependedToken(root, path));
    }

    private static Dictionary<string, int> ReadVocabulary(JsonElement model, string path)
    {
        var vocab = JsonFile.Required(model, "vocab", JsonValueKind.Object, path, "model.");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                throw new InvalidDataException($"'{path}': model.vocab['{entry.Name}'] should be a non-negative integer id.");
            result[entry.Name] = id;
        }
        return result;
    }

    private static List<string> ReadMerges(JsonElement model, string path)
    {
        var merges = JsonFile.Required(model, "merges", JsonValueKind.Array, path, "model.");
        var result = new List<string>(merges.GetArrayLength());
        var index = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            // Older files write "left right"; newer ones write ["left", "right"] so tokens may hold spaces.
            var text = merge.ValueKind switch
            {
                JsonValueKind.String => merge.GetString()!,
                JsonValueKind.Array when merge.GetArrayLength() == 2
                    && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String
                    && !merge[0].GetString()!.Contains(' ') && !merge[1].GetString()!.Contains(' ')
                    => merge[0].GetString() + " " + merge[1].GetString(),
                _ => throw new InvalidDataException(
                    $"'{path}': model.merges[{index}] should be \"left right\" or [\"left\", \"right\"] (tokens without spaces), found {merge.GetRawText()}."),
            };
            result.Add(text);
            index++;
        }
        return result;
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        var result = new List<AddedToken>();
        if (JsonFile.Optional(root, "added_tokens", JsonValueKind.Array, path, "") is not { } tokens)
            return result;
        var index = 0;
        foreach (var token in tokens.EnumerateArray())
        {
            var where = $"added_tokens[{index++}].";
            var id = JsonFile.Required(token, "id", JsonValueKind.Number, path, where).GetInt32();
            var content = JsonFile.Required(token, "content", JsonValueKind.String, path, where).GetString()!;
            foreach (var flag in (string[])["lstrip", "rstrip", "single_word"])
            {
                if (JsonFile.OptionalBool(token, flag, path, where) == true)
                    throw new NotSupportedException($"'{path}': added token '{content}' sets {flag}, which is not supported.");
            }
            result.Add(new AddedToken(id, content, JsonFile.OptionalBool(token, "special", path, where) ?? false));
        }
        return result;
    }

    private static bool ReadNormalizer(JsonElement root, string path)
    {
        if (JsonFile.Optional(root, "normalizer", JsonValueKind.Object, path, "") is not { } normalizer)
            return false;
        var type = JsonFile.OptionalString(normalizer, "type", path, "normalizer.");
        return type == "NFC"
            ? true
            : throw new NotSupportedException($"'{path}': normalizer type '{type}' is not supported; supported: none or NFC.");
    }

    private static string ReadPreTokenizerPattern(JsonElement root, string path)
    {
        var pre = JsonFile.Optional(root, "pre_tokenizer", JsonValueKind.Object, path, "")
            ?? throw new NotSupportedException($"'{path}' has no pre_tokenizer; a byte-level BPE needs a ByteLevel pre-tokenizer.");
        var type = JsonFile.OptionalString(pre, "type", path, "pre_tokenizer.");

        if (type == "ByteLevel")
        {
            // A lone ByteLevel stage splits with the GPT-2 pattern itself.
            RequireNoPrefixSpace(pre, path, "pre_tokenizer.");
            return JsonFile.OptionalBool(pre, "use_regex", path, "pre_tokenizer.") ?? true
                ? PreTokenizerPatterns.Gpt2
                : throw new NotSupportedException($"'{path}': a ByteLevel pre_tokenizer without use_regex does not split words; not supported.");
        }

        var stages = type == "Sequence"
            ? JsonFile.Required(pre, "pretokenizers", JsonValueKind.Array, path, "pre_tokenizer.")
            : throw new NotSupportedException($"'{path}': pre_tokenizer type '{type}' is not supported; supported: ByteLevel, or Sequence of Split + ByteLevel.");
        if (stages.GetArrayLength() != 2
            || JsonFile.OptionalString(stages[0], "type", path, "pre_tokenizer.pretokenizers[0].") != "Split"
            || JsonFile.OptionalString(stages[1], "type", path, "pre_tokenizer.pretokenizers[1].") != "ByteLevel")
            throw new NotSupportedException($"'{path}': pre_tokenizer Sequence should be [Split, ByteLevel], found {stages.GetRawText()}.");

        var split = stages[0];
        const string splitWhere = "pre_tokenizer.pretokenizers[0].";
        if (JsonFile.OptionalString(split, "behavior", path, splitWhere) != "Isolated" || JsonFile.OptionalBool(split, "invert", path, splitWhere) == true)
            throw new NotSupportedException($"'{path}': only a Split with behavior Isolated and invert false is supported, found {split.GetRawText()}.");
        var byteLevel = stages[1];
        RequireNoPrefixSpace(byteLevel, path, "pre_tokenizer.pretokenizers[1].");
        if (JsonFile.OptionalBool(byteLevel, "use_regex", path, "pre_tokenizer.pretokenizers[1].") ?? true)
            throw new NotSupportedException($"'{path}': a ByteLevel stage after Split must have use_regex false (two splits are not supported).");

        var pattern = JsonFile.Required(split, "pattern", JsonValueKind.Object, path, splitWhere);
        if (JsonFile.OptionalString(pattern, "Regex", path, splitWhere + "pattern.") is { } regex)
            return regex;
        if (JsonFile.OptionalString(pattern, "String", path, splitWhere + "pattern.") is { } literal)
            return Regex.Escape(literal);
        throw new InvalidDataException($"'{path}': {splitWhere}pattern should hold 'Regex' or 'String'.");
    }

    private static void RequireNoPrefixSpace(JsonElement byteLevel, string path, string where)
    {
        if (JsonFile.OptionalBool(byteLevel, "add_prefix_space", path, where) == true)
            throw new NotSupportedException($"'{path}': {where}add_prefix_space true is not supported.");
    }

    private static string? ReadPrependedToken(JsonElement root, string path)
    {
        // Llama 3: TemplateProcessing (alone or inside a Sequence) whose "single" template starts with
        // {"SpecialToken": {"id": "<|begin_of_text|>"}}.
        if (JsonFile.Optional(root, "post_processor", JsonValueKind.Object, path, "") is not { } post)
            return null;
        var template = post;
        if (JsonFile.OptionalString(post, "type", path, "post_processor.") == "Sequence")
        {
            var processors = JsonFile.Required(post, "processors", JsonValueKind.Array, path, "post_processor.");
            template = processors.EnumerateArray().FirstOrDefault(p => p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "TemplateProcessing");
            if (template.ValueKind != JsonValueKind.Object)
                return null;
        }
        if (JsonFile.OptionalString(template, "type", path, "post_processor.") != "TemplateProcessing"
            || JsonFile.Optional(template, "single", JsonValueKind.Array, path, "post_processor.") is not { } single
            || single.GetArrayLength() == 0
            || !single[0].TryGetProperty("SpecialToken", out var first))
            return null;
        return JsonFile.Required(first, "id", JsonValueKind.String, path, "post_processor.single[0].SpecialToken.").GetString();
    }

    private static void RequireByteLevelDecoder(JsonElement root, string path)
    {
        if (JsonFile.Optional(root, "decoder", JsonValueKind.Object, path, "") is { } decoder
            && JsonFile.OptionalString(decoder, "type", path, "decoder.") is var type && type != "ByteLevel")
            throw new NotSupportedException($"'{path}': decoder type '{type}' is not supported; byte-level BPE needs a ByteLevel decoder.");
    }
}
