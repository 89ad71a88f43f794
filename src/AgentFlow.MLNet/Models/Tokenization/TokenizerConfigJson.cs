using System.Globalization;
using System.Text.Json;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// What a Hugging Face <c>tokenizer_config.json</c> adds to the vocabulary: its added tokens, which of them
/// are BOS/EOS, whether BOS is prepended, and the chat template.
/// </summary>
/// <param name="AddedTokens"><c>added_tokens_decoder</c> (id → content, special).</param>
/// <param name="BosToken"><c>bos_token</c> text, or null.</param>
/// <param name="EosToken"><c>eos_token</c> text, or null.</param>
/// <param name="AddBosToken"><c>add_bos_token</c> when the file says.</param>
/// <param name="ChatTemplate"><c>chat_template</c> (the one named "default" when the file holds a list).</param>
internal sealed record TokenizerConfigJson(
    IReadOnlyList<AddedToken> AddedTokens,
    string? BosToken,
    string? EosToken,
    bool? AddBosToken,
    string? ChatTemplate)
{
    /// <summary>The conventional file name, looked for beside tokenizer.json / vocab.json.</summary>
    public const string FileName = "tokenizer_config.json";

    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    public static TokenizerConfigJson Read(string path)
    {
        using var document = JsonFile.Parse(path);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"'{path}' should hold a JSON object, found {root.ValueKind}.");
        return new TokenizerConfigJson(
            ReadAddedTokens(root, path),
            JsonFile.TokenContent(root, "bos_token", path),
            JsonFile.TokenContent(root, "eos_token", path),
            JsonFile.OptionalBool(root, "add_bos_token", path, ""),
            ReadChatTemplate(root, path));
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        var result = new List<AddedToken>();
        if (JsonFile.Optional(root, "added_tokens_decoder", JsonValueKind.Object, path, "") is not { } decoder)
            return result;
        foreach (var entry in decoder.EnumerateObject())
        {
            var where = $"added_tokens_decoder['{entry.Name}'].";
            if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                throw new InvalidDataException($"'{path}': added_tokens_decoder key '{entry.Name}' should be a token id.");
            if (entry.Value.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"'{path}': {where.TrimEnd('.')} should be an object.");
            var content = JsonFile.Required(entry.Value, "content", JsonValueKind.String, path, where).GetString()!;
            result.Add(new AddedToken(id, content, JsonFile.OptionalBool(entry.Value, "special", path, where) ?? false));
        }
        return result;
    }

    private static string? ReadChatTemplate(JsonElement root, string path)
    {
        if (!root.TryGetProperty("chat_template", out var template) || template.ValueKind == JsonValueKind.Null)
            return null;
        if (template.ValueKind == JsonValueKind.String)
            return template.GetString();
        if (template.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"'{path}': chat_template should be a string or a list of {{name, template}}.");
        // Some models ship several named templates (default, tool_use, rag); the default one is the chat format.
        foreach (var named in template.EnumerateArray())
        {
            if (named.ValueKind == JsonValueKind.Object
                && JsonFile.OptionalString(named, "name", path, "chat_template[].") == "default")
                return JsonFile.Required(named, "template", JsonValueKind.String, path, "chat_template[].").GetString();
        }
        throw new InvalidDataException($"'{path}': chat_template is a list without a template named 'default'.");
    }
}
