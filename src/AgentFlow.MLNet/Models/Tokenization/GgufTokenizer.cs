using Microsoft.ML.Tokenizers;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>Builds a <see cref="ModelTokenizer"/> from the <c>tokenizer.ggml.*</c> metadata of a GGUF file.</summary>
internal static class GgufTokenizer
{
    private const string Source = "GGUF tokenizer";
    private const int UnknownType = 2;
    private const int ControlType = 3;
    private const int UserDefinedType = 4;

    /// <summary>See <see cref="ModelTokenizer.FromGguf"/>; <paramref name="warnings"/> (from reading the file) go to <see cref="ModelTokenizer.Warnings"/>.</summary>
    public static ModelTokenizer Create(GgufVocabulary vocabulary, IEnumerable<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var tokens = vocabulary.Tokens ?? throw new InvalidDataException($"{Source}: tokenizer.ggml.tokens is missing.");
        if (tokens.Count == 0)
            throw new InvalidDataException($"{Source}: tokenizer.ggml.tokens is empty.");
        var types = vocabulary.TokenTypes;
        if (types is not null && types.Count != tokens.Count)
            throw new InvalidDataException($"{Source}: tokenizer.ggml.token_type has {types.Count} entries for {tokens.Count} tokens.");
        // The GGUF reader already leaves out ids that name no token, as llama.cpp does; a vocabulary built in code gets
        // the same treatment here rather than a tokenizer whose BOS or EOS points nowhere.
        var tolerated = warnings?.ToList() ?? [];
        int? Valid(int? id, string field)
        {
            if (id is not { } known || (known >= 0 && known < tokens.Count))
                return id;
            tolerated.Add($"{Source}: {field} {known} names none of the {tokens.Count} tokens; the tokenizer has no such token.");
            return null;
        }
        vocabulary = vocabulary with
        {
            BosTokenId = Valid(vocabulary.BosTokenId, "the BOS id"),
            EosTokenId = Valid(vocabulary.EosTokenId, "the EOS id"),
            UnknownTokenId = Valid(vocabulary.UnknownTokenId, "the unknown-token id"),
            PaddingTokenId = Valid(vocabulary.PaddingTokenId, "the padding id"),
        };

        // Unknown and control tokens (<unk>, <s>, <|im_start|>) are special; user-defined ones (Qwen's <think>) are
        // matched whole but kept by skipSpecialTokens, as Hugging Face does.
        var added = Enumerable.Range(0, tokens.Count)
            .Where(id => types is not null && types[id] is UnknownType or ControlType or UserDefinedType)
            .Select(id => new AddedToken(id, tokens[id], Special: types![id] != UserDefinedType))
            .ToList();

        return vocabulary.Model switch
        {
            "gpt2" => CreateByteLevel(vocabulary, added, tolerated),
            "llama" => CreateSentencePiece(vocabulary, added, tolerated),
            _ => throw new NotSupportedException(
                $"{Source}: tokenizer.ggml.model '{vocabulary.Model}' is not supported; supported: gpt2 (byte-level BPE), llama (SentencePiece)."),
        };
    }

    private static ModelTokenizer CreateByteLevel(GgufVocabulary vocabulary, List<AddedToken> added, IEnumerable<string>? warnings)
    {
        var merges = vocabulary.Merges ?? throw new InvalidDataException($"{Source}: a gpt2 vocabulary needs tokenizer.ggml.merges.");
        var pattern = PreTokenizerPatterns.ForGgufPreTokenizer(vocabulary.PreTokenizer);
        var tokenIds = new Dictionary<string, int>(vocabulary.Tokens.Count, StringComparer.Ordinal);
        for (var id = 0; id < vocabulary.Tokens.Count; id++)
        {
            if (!tokenIds.TryAdd(vocabulary.Tokens[id], id))
                throw new InvalidDataException($"{Source}: token '{vocabulary.Tokens[id]}' appears twice (ids {tokenIds[vocabulary.Tokens[id]]} and {id}).");
        }
        for (var i = 0; i < merges.Count; i++)
        {
            var space = merges[i].IndexOf(' ');
            if (space <= 0 || space == merges[i].Length - 1 || merges[i].IndexOf(' ', space + 1) >= 0)
                throw new InvalidDataException($"{Source}: tokenizer.ggml.merges[{i}] should be two tokens separated by one space, found '{merges[i]}'.");
        }

        var isLlama3 = pattern == PreTokenizerPatterns.Llama3;
        var definition = new ByteLevelBpeDefinition(
            tokenIds,
            merges,
            pattern,
            // Qwen2's own tokenizer NFC-normalises; keeping that makes GGUF and tokenizer.json agree.
            Nfc: pattern == PreTokenizerPatterns.Qwen2,
            // llama.cpp encodes Llama 3 words found whole in the vocabulary as one token, as tiktoken does.
            IgnoreMerges: isLlama3);
        var inner = ByteLevelBpe.Create(definition, added.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal), Source);
        return new ModelTokenizer(
            inner, added, vocabulary.Tokens.Count, vocabulary.BosTokenId, vocabulary.EosTokenId,
            vocabulary.AddBosToken ?? isLlama3, vocabulary.ChatTemplate, definition, vocabulary, warnings);
    }

    private static ModelTokenizer CreateSentencePiece(GgufVocabulary vocabulary, List<AddedToken> added, IEnumerable<string>? warnings)
    {
        var scores = vocabulary.Scores ?? throw new InvalidDataException($"{Source}: a llama (SentencePiece) vocabulary needs tokenizer.ggml.scores.");
        if (scores.Count != vocabulary.Tokens.Count)
            throw new InvalidDataException($"{Source}: tokenizer.ggml.scores has {scores.Count} entries for {vocabulary.Tokens.Count} tokens.");
        var pieceTypes = Enumerable.Range(0, vocabulary.Tokens.Count)
            .Select(id => SentencePieceModelProto.PieceType(vocabulary.TokenTypes?[id] ?? 1))
            .ToArray();

        var modelProto = SentencePieceModelProto.Write(vocabulary, pieceTypes);
        LlamaTokenizer inner;
        try
        {
            using var model = new MemoryStream(modelProto);
            inner = LlamaTokenizer.Create(
                model, addBeginOfSentence: false, addEndOfSentence: false,
                added.Count == 0 ? null : added.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal));
        }
        catch (ArgumentException e)
        {
            // Duplicate pieces surface here from the tokenizer's dictionary.
            throw new InvalidDataException($"{Source}: {e.Message}", e);
        }

        return new ModelTokenizer(
            inner, added, vocabulary.Tokens.Count, vocabulary.BosTokenId, vocabulary.EosTokenId,
            vocabulary.AddBosToken ?? true, vocabulary.ChatTemplate, new TokenizerModelDefinition(modelProto), vocabulary, warnings);
    }
}
