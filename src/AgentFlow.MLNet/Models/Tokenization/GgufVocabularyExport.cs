namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>Turns a <see cref="ModelTokenizer"/> into the <c>tokenizer.ggml.*</c> metadata of a GGUF file, as llama.cpp's converter writes it.</summary>
internal static class GgufVocabularyExport
{
    // llama.cpp token types.
    private const int NormalType = 1;
    private const int ControlType = 3;
    private const int UserDefinedType = 4;
    private const int UnusedType = 5;

    /// <summary>See <see cref="ModelTokenizer.ToGgufVocabulary"/>.</summary>
    public static GgufVocabulary Create(ModelTokenizer tokenizer, int tokenCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenCount, tokenizer.VocabSize);
        if (tokenizer.GgufVocabulary is { } read)
            return Padded(read, tokenCount);
        if (tokenizer.Definition is not ByteLevelBpeDefinition bpe)
            throw new NotSupportedException(
                "Only byte-level BPE tokenizers (and those read from GGUF files) can be written to GGUF here; convert a SentencePiece or tiktoken model folder with llama.cpp's converter.");

        var tokens = new string?[tokenCount];
        var types = new int[tokenCount];
        foreach (var (text, id) in bpe.Vocabulary)
            (tokens[id], types[id]) = (text, NormalType);
        foreach (var added in tokenizer.AddedTokens)
            (tokens[added.Id], types[added.Id]) = (added.Content, added.Special ? ControlType : UserDefinedType);
        for (var id = 0; id < tokenCount; id++)
        {
            if (tokens[id] is null)
                (tokens[id], types[id]) = (PaddingToken(id), UnusedType);
        }

        return new GgufVocabulary(
            Model: "gpt2",
            PreTokenizer: PreTokenizerName(bpe),
            Tokens: tokens!,
            Scores: null,
            TokenTypes: types,
            Merges: bpe.Merges,
            BosTokenId: tokenizer.BosTokenId,
            EosTokenId: tokenizer.EosTokenId,
            UnknownTokenId: null,
            PaddingTokenId: null,
            AddBosToken: tokenizer.AddBosToken,
            AddEosToken: false,
            ChatTemplate: tokenizer.ChatTemplateText);
    }

    /// <summary>
    /// The <c>tokenizer.ggml.pre</c> name whose split (and normalisation) the GGUF reader maps back to exactly this
    /// tokenizer's: a vocabulary that splits any other way would come back giving different ids.
    /// </summary>
    private static string PreTokenizerName(ByteLevelBpeDefinition bpe) => (bpe.Pattern, bpe.Nfc, bpe.IgnoreMerges) switch
    {
        (PreTokenizerPatterns.Qwen2, true, false) => "qwen2",
        (PreTokenizerPatterns.Llama3, false, true) => "llama-bpe",
        (PreTokenizerPatterns.Gpt2, false, false) => "gpt-2",
        _ => throw new NotSupportedException(
            $"This byte-level tokenizer (split pattern '{bpe.Pattern}', NFC {bpe.Nfc}, ignore_merges {bpe.IgnoreMerges}) matches no GGUF tokenizer.ggml.pre "
            + "that reads back the same: supported are Qwen2's (with NFC), Llama 3's (with ignore_merges) and GPT-2's."),
    };

    private static GgufVocabulary Padded(GgufVocabulary vocabulary, int tokenCount)
    {
        int missing = tokenCount - vocabulary.Tokens.Count;
        if (missing == 0)
            return vocabulary;
        var ids = Enumerable.Range(vocabulary.Tokens.Count, missing);
        return vocabulary with
        {
            Tokens = [.. vocabulary.Tokens, .. ids.Select(PaddingToken)],
            Scores = vocabulary.Scores is null ? null : [.. vocabulary.Scores, .. ids.Select(_ => 0f)],
            TokenTypes = vocabulary.TokenTypes is null ? null : [.. vocabulary.TokenTypes, .. ids.Select(_ => UnusedType)],
        };
    }

    private static string PaddingToken(int id) => $"[PAD{id}]";
}
