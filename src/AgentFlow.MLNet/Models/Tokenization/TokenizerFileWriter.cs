using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentFlow.MLNet.IO;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// Writes a <see cref="ModelTokenizer"/> as the Hugging Face files <see cref="TokenizerFolder"/> reads back:
/// tokenizer.json or tokenizer.model, plus tokenizer_config.json. The layout is the one transformers itself
/// writes for Qwen2 / Llama 3 (tokenizer.json) and Llama 2 (tokenizer.model).
/// </summary>
internal static class TokenizerFileWriter
{
    private const string TokenizerJsonName = "tokenizer.json";

    // Files the loader reads or prefers; the ones this writer does not write are stale once it has written.
    private static readonly string[] TokenizerFileNames =
        [TokenizerJsonName, "vocab.json", "merges.txt", TokenizerModelFile.FileName, "chat_template.jinja", "special_tokens_map.json", "added_tokens.json"];

    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true,
        // Token text and templates stay readable (no \u0120 for 'Ġ'); the files are never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>See <see cref="ModelTokenizer.Save"/>.</summary>
    public static void Write(ModelTokenizer tokenizer, string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        string written = tokenizer.Definition switch
        {
            ByteLevelBpeDefinition bpe => WriteJson(Path.Combine(folder, TokenizerJsonName), json => WriteTokenizerJson(json, tokenizer, bpe)),
            TokenizerModelDefinition model => WriteBytes(Path.Combine(folder, TokenizerModelFile.FileName), model.Contents),
            var other => throw new NotSupportedException($"A tokenizer built from {other.GetType().Name} cannot be written."),
        };
        WriteJson(Path.Combine(folder, TokenizerConfigJson.FileName), json => WriteConfig(json, tokenizer));
        foreach (string stale in TokenizerFileNames.Where(name => name != written))
            File.Delete(Path.Combine(folder, stale));
    }

    private static string WriteBytes(string path, byte[] contents)
    {
        AtomicFile.WriteAllBytes(path, contents);
        return Path.GetFileName(path);
    }

    private static string WriteJson(string path, Action<Utf8JsonWriter> write)
    {
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, Indented);
            write(json);
        });
        return Path.GetFileName(path);
    }

    private static void WriteTokenizerJson(Utf8JsonWriter json, ModelTokenizer tokenizer, ByteLevelBpeDefinition bpe)
    {
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        json.WriteStartArray("added_tokens");
        foreach (var token in tokenizer.AddedTokens)
        {
            json.WriteStartObject();
            json.WriteNumber("id", token.Id);
            json.WriteString("content", token.Content);
            WriteMatchFlags(json);
            json.WriteBoolean("special", token.Special);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        if (bpe.Nfc)
        {
            json.WriteStartObject("normalizer");
            json.WriteString("type", "NFC");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("normalizer");
        }

        json.WritePropertyName("pre_tokenizer");
        if (bpe.Pattern == PreTokenizerPatterns.Gpt2)
        {
            // A lone ByteLevel stage splits with the GPT-2 pattern itself.
            WriteByteLevel(json, useRegex: true);
        }
        else
        {
            json.WriteStartObject();
            json.WriteString("type", "Sequence");
            json.WriteStartArray("pretokenizers");
            json.WriteStartObject();
            json.WriteString("type", "Split");
            json.WriteStartObject("pattern");
            json.WriteString("Regex", bpe.Pattern);
            json.WriteEndObject();
            json.WriteString("behavior", "Isolated");
            json.WriteBoolean("invert", false);
            json.WriteEndObject();
            WriteByteLevel(json, useRegex: false);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WritePropertyName("post_processor");
        WritePostProcessor(json, tokenizer);
        json.WritePropertyName("decoder");
        WriteByteLevel(json, useRegex: false);

        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteNull("continuing_subword_prefix");
        json.WriteNull("end_of_word_suffix");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", bpe.IgnoreMerges);
        json.WriteStartObject("vocab");
        foreach (var (token, id) in bpe.Vocabulary.OrderBy(entry => entry.Value))
            json.WriteNumber(token, id);
        json.WriteEndObject();
        json.WriteStartArray("merges");
        foreach (string merge in bpe.Merges)
            json.WriteStringValue(merge);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>BOS before every sequence when the tokenizer wants it (Llama 3's TemplateProcessing), else plain ByteLevel.</summary>
    private static void WritePostProcessor(Utf8JsonWriter json, ModelTokenizer tokenizer)
    {
        if (!tokenizer.AddBosToken || tokenizer.BosTokenId is not int bos)
        {
            WriteByteLevel(json, useRegex: false);
            return;
        }
        string bosText = TokenText(tokenizer, bos);
        void Piece(string kind, string id)
        {
            json.WriteStartObject();
            json.WriteStartObject(kind);
            json.WriteString("id", id);
            json.WriteNumber("type_id", 0);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteStartObject();
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        Piece("SpecialToken", bosText);
        Piece("Sequence", "A");
        json.WriteEndArray();
        json.WriteStartArray("pair");
        Piece("SpecialToken", bosText);
        Piece("Sequence", "A");
        Piece("SpecialToken", bosText);
        Piece("Sequence", "B");
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject(bosText);
        json.WriteString("id", bosText);
        json.WriteStartArray("ids");
        json.WriteNumberValue(bos);
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue(bosText);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter json, bool useRegex)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", useRegex);
        json.WriteBoolean("use_regex", useRegex);
        json.WriteEndObject();
    }

    private static void WriteConfig(Utf8JsonWriter json, ModelTokenizer tokenizer)
    {
        json.WriteStartObject();
        json.WriteBoolean("add_bos_token", tokenizer.AddBosToken);
        json.WriteBoolean("add_eos_token", false);
        json.WriteStartObject("added_tokens_decoder");
        foreach (var token in tokenizer.AddedTokens)
        {
            json.WriteStartObject(token.Id.ToString(CultureInfo.InvariantCulture));
            json.WriteString("content", token.Content);
            WriteMatchFlags(json);
            json.WriteBoolean("special", token.Special);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        WriteTokenField(json, "bos_token", tokenizer, tokenizer.BosTokenId);
        WriteTokenField(json, "eos_token", tokenizer, tokenizer.EosTokenId);
        if (tokenizer.ChatTemplateText is { } template)
            json.WriteString("chat_template", template);
        json.WriteBoolean("clean_up_tokenization_spaces", false);
        if (tokenizer.Definition is ByteLevelBpeDefinition)
            json.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        json.WriteEndObject();
    }

    private static void WriteMatchFlags(Utf8JsonWriter json)
    {
        json.WriteBoolean("lstrip", false);
        json.WriteBoolean("normalized", false);
        json.WriteBoolean("rstrip", false);
        json.WriteBoolean("single_word", false);
    }

    private static void WriteTokenField(Utf8JsonWriter json, string name, ModelTokenizer tokenizer, int? id)
    {
        if (id is int known)
            json.WriteString(name, TokenText(tokenizer, known));
        else
            json.WriteNull(name);
    }

    /// <summary>The text of token <paramref name="id"/>: an added token's content, else its byte-level vocabulary entry.</summary>
    private static string TokenText(ModelTokenizer tokenizer, int id)
    {
        if (tokenizer.AddedTokens.FirstOrDefault(t => t.Id == id) is { } added)
            return added.Content;
        if (tokenizer.Definition is ByteLevelBpeDefinition bpe && bpe.Vocabulary.FirstOrDefault(entry => entry.Value == id) is { Key: { } text })
            return text;
        throw new InvalidOperationException($"Token {id} (BOS or EOS) is neither an added token nor in the vocabulary, so tokenizer_config.json cannot name it.");
    }
}
