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
    private const string UnknownTokenKey = "tokenizer.ggml.unknown_token_id";
    private const string PaddingTokenKey = "tokenizer.ggml.padding_token_id";
    private const string AddBosKey = "tokenizer.ggml.add_bos_token";
    private const string AddEosKey = "tokenizer.ggml.add_eos_token";
    private const string ChatTemplateKey = "tokenizer.chat_template";

    /// <summary>The vocabulary in <paramref name="metadata"/>, or null when it has no <c>tokenizer.ggml.model</c>.</summary>
    internal static GgufVocabulary? Read(GgufMetadata metadata)
    {
        string? model = metadata.GetString(ModelKey);
        if (model is null)
            return null;
        var tokens = metadata.GetStringArray(TokensKey)
            ?? throw new InvalidDataException($"'{metadata.Source}' names tokenizer model '{model}' but has no {TokensKey}.");
        var scores = metadata.GetFloat32Array(ScoresKey);
        var tokenTypes = metadata.GetInt32Array(TokenTypesKey);
        CheckLength(scores?.Length, ScoresKey, tokens.Count, metadata.Source);
        CheckLength(tokenTypes?.Length, TokenTypesKey, tokens.Count, metadata.Source);

        int? TokenId(string key)
        {
            long? id = metadata.GetInteger(key);
            if (id is long value && (value < 0 || value >= tokens.Count))
                throw new InvalidDataException($"'{metadata.Source}': {key} is {value}, outside the {tokens.Count} tokens.");
            return (int?)id;
        }

        return new GgufVocabulary(
            Model: model,
            PreTokenizer: metadata.GetString(PreTokenizerKey),
            Tokens: tokens,
            Scores: scores,
            TokenTypes: tokenTypes,
            Merges: metadata.GetStringArray(MergesKey),
            BosTokenId: TokenId(GgufModelConfig.BosTokenKey),
            EosTokenId: TokenId(GgufModelConfig.EosTokenKey),
            UnknownTokenId: TokenId(UnknownTokenKey),
            PaddingTokenId: TokenId(PaddingTokenKey),
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
        Add(GgufModelConfig.BosTokenKey, Id(vocabulary.BosTokenId, "BOS id"));
        Add(GgufModelConfig.EosTokenKey, Id(vocabulary.EosTokenId, "EOS id"));
        Add(UnknownTokenKey, Id(vocabulary.UnknownTokenId, "unknown-token id"));
        Add(PaddingTokenKey, Id(vocabulary.PaddingTokenId, "padding id"));
        Add(AddBosKey, vocabulary.AddBosToken);
        Add(AddEosKey, vocabulary.AddEosToken);
        Add(ChatTemplateKey, vocabulary.ChatTemplate);
        return entries;
    }

    private static void CheckLength(int? length, string key, int tokenCount, string source)
    {
        if (length is int n && n != tokenCount)
            throw new InvalidDataException($"'{source}': {key} has {n} entries for {tokenCount} tokens.");
    }
}
