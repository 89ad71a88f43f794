using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>Maps between <see cref="GgufVocabulary"/> and the <c>tokenizer.*</c> metadata of a GGUF file.</summary>
internal static class GgufVocabularyMetadata
{
    private const string ModelKey = "tokenizer.ggml.model";
    private const string PreTokenizerKey = "tokenizer.ggml.pre";
    private const string TokensKey = "tokenizer.ggml.tokens";
    private const string ScoresKey = "tokenizer.ggml.scores";
    private const string TokenTypesKey = "tokenizer.ggml.token_type";
    private const string MergesKey = "tokenizer.ggml.merges";
    private const string AddBosKey = "tokenizer.ggml.add_bos_token";
    private const string AddEosKey = "tokenizer.ggml.add_eos_token";
    private const string ChatTemplateKey = "tokenizer.chat_template";

    /// <summary>
    /// How many tokens the file's vocabulary has (the count special-token ids are checked against), or null when it
    /// has no <c>tokenizer.ggml.model</c> or no token list.
    /// </summary>
    internal static int? TokenCount(GgufMetadata metadata) =>
        metadata.GetString(ModelKey) is null ? null : metadata.GetStringArray(TokensKey)?.Count;

    /// <summary>The vocabulary in <paramref name="metadata"/>, its special-token ids checked against its own tokens.</summary>
    internal static GgufVocabulary? Read(GgufMetadata metadata, ICollection<string> warnings) =>
        Read(metadata, TokenCount(metadata) is int tokenCount ? GgufSpecialTokens.Read(metadata, tokenCount, warnings) : [], warnings);

    /// <summary>
    /// The vocabulary in <paramref name="metadata"/> with the special-token ids <see cref="GgufSpecialTokens.Read"/>
    /// found valid, or null when it has no <c>tokenizer.ggml.model</c>.
    /// </summary>
    internal static GgufVocabulary? Read(GgufMetadata metadata, IReadOnlyDictionary<string, int> specialTokenIds, ICollection<string> warnings)
    {
        string? model = metadata.GetString(ModelKey);
        if (model is null)
            return null;
        var tokens = metadata.GetStringArray(TokensKey)
            ?? throw new InvalidDataException($"'{metadata.Source}' names tokenizer model '{model}' but has no {TokensKey}.");
        var scores = FitToTokens(metadata.GetFloat32Array(ScoresKey), ScoresKey, tokens.Count, metadata.Source, warnings);
        var tokenTypes = FitToTokens(metadata.GetInt32Array(TokenTypesKey), TokenTypesKey, tokens.Count, metadata.Source, warnings);

        return new GgufVocabulary(
            Model: model,
            PreTokenizer: metadata.GetString(PreTokenizerKey),
            Tokens: NameEmptyTokens(tokens, metadata.Source, warnings),
            Scores: scores,
            TokenTypes: tokenTypes,
            Merges: metadata.GetStringArray(MergesKey),
            BosTokenId: IdOf(specialTokenIds, GgufSpecialTokens.BosKey),
            EosTokenId: IdOf(specialTokenIds, GgufSpecialTokens.EosKey),
            UnknownTokenId: IdOf(specialTokenIds, GgufSpecialTokens.UnknownKey),
            PaddingTokenId: IdOf(specialTokenIds, GgufSpecialTokens.PaddingKey),
            AddBosToken: metadata.GetBoolean(AddBosKey),
            AddEosToken: metadata.GetBoolean(AddEosKey),
            ChatTemplate: metadata.GetString(ChatTemplateKey));
    }

    /// <summary>The metadata entries for <paramref name="vocabulary"/>, omitting its absent fields.</summary>
    /// <exception cref="ArgumentException">A per-token list or a token id does not fit the token list.</exception>
    internal static List<KeyValuePair<string, object>> Write(GgufVocabulary vocabulary)
    {
        int tokenCount = vocabulary.Tokens.Count;
        if (vocabulary.Scores is { Count: var scores } && scores != tokenCount)
            throw new ArgumentException($"The vocabulary has {scores} scores for {tokenCount} tokens.", nameof(vocabulary));
        if (vocabulary.TokenTypes is { Count: var types } && types != tokenCount)
            throw new ArgumentException($"The vocabulary has {types} token types for {tokenCount} tokens.", nameof(vocabulary));
        uint? Id(int? id, string name) => id switch
        {
            null => null,
            >= 0 when id < tokenCount => (uint)id.Value,
            _ => throw new ArgumentException($"The vocabulary's {name} {id} is outside its {tokenCount} tokens.", nameof(vocabulary)),
        };

        var entries = new List<KeyValuePair<string, object>> { new(ModelKey, vocabulary.Model) };
        void Add(string key, object? value)
        {
            if (value is not null)
                entries.Add(new(key, value));
        }
        Add(PreTokenizerKey, vocabulary.PreTokenizer);
        Add(TokensKey, vocabulary.Tokens.ToArray());
        Add(ScoresKey, vocabulary.Scores?.ToArray());
        Add(TokenTypesKey, vocabulary.TokenTypes?.ToArray());
        Add(MergesKey, vocabulary.Merges?.ToArray());
        Add(GgufSpecialTokens.BosKey, Id(vocabulary.BosTokenId, "BOS id"));
        Add(GgufSpecialTokens.EosKey, Id(vocabulary.EosTokenId, "EOS id"));
        Add(GgufSpecialTokens.UnknownKey, Id(vocabulary.UnknownTokenId, "unknown-token id"));
        Add(GgufSpecialTokens.PaddingKey, Id(vocabulary.PaddingTokenId, "padding id"));
        Add(AddBosKey, vocabulary.AddBosToken);
        Add(AddEosKey, vocabulary.AddEosToken);
        Add(ChatTemplateKey, vocabulary.ChatTemplate);
        return entries;
    }

    private static int? IdOf(IReadOnlyDictionary<string, int> ids, string key) => ids.TryGetValue(key, out int id) ? id : null;

    // llama.cpp reads one entry per token and refuses a shorter list; a longer one it reads in part, and so does this.
    private static T[]? FitToTokens<T>(T[]? values, string key, int tokenCount, string source, ICollection<string> warnings)
    {
        if (values is null || values.Length == tokenCount)
            return values;
        if (values.Length < tokenCount)
            throw new InvalidDataException($"'{source}': {key} has {values.Length} entries for {tokenCount} tokens.");
        warnings.Add($"'{source}': {key} has {values.Length} entries for {tokenCount} tokens; the last {values.Length - tokenCount} are ignored.");
        return values[..tokenCount];
    }

    // An empty token cannot be matched or looked up; llama.cpp names it [EMPTY_<id>] with a warning, and so does this.
    private static IReadOnlyList<string> NameEmptyTokens(IReadOnlyList<string> tokens, string source, ICollection<string> warnings)
    {
        var empty = Enumerable.Range(0, tokens.Count).Where(id => tokens[id].Length == 0).ToList();
        if (empty.Count == 0)
            return tokens;
        warnings.Add($"'{source}': {empty.Count} token(s) are empty (first id {empty[0]}); they are named [EMPTY_<id>], as llama.cpp does.");
        return tokens.Select((token, id) => token.Length == 0 ? $"[EMPTY_{id}]" : token).ToArray();
    }
}
