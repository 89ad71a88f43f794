using AgentFlow.MLNet.Models.Tokenization;
using Microsoft.ML.Tokenizers;

namespace AgentFlow.MLNet.Tests.Models.Tokenization;

/// <summary>Tokenizers built from hand-made GGUF <c>tokenizer.ggml.*</c> vocabularies.</summary>
public sealed class GgufTokenizerTests
{
    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Byte = 6;

    /// <summary>
    /// A Llama-style SentencePiece vocabulary: &lt;unk&gt; &lt;s&gt; &lt;/s&gt;, the 256 byte pieces (ids 3–258), then
    /// pieces whose scores make "Hello world" merge as ll → He → llo → ▁w → Hello → or.
    /// </summary>
    internal static GgufVocabulary SentencePieceVocabulary()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        var scores = new List<float> { 0, 0, 0 };
        var types = new List<int> { Unknown, Control, Control };
        for (var b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            scores.Add(0);
            types.Add(Byte);
        }
        (string Piece, float Score)[] pieces =
        [
            ("▁", -100), ("H", -101), ("e", -102), ("l", -103), ("o", -104), ("w", -105), ("r", -106), ("d", -107), // 259–266
            ("ll", -1), ("He", -2), ("llo", -3), ("▁w", -4), ("Hello", -5), ("or", -6), // 267–272
            ("<tool>", 0), // 273, user-defined
        ];
        foreach (var (piece, score) in pieces)
        {
            tokens.Add(piece);
            scores.Add(score);
            types.Add(piece == "<tool>" ? UserDefined : Normal);
        }
        return new GgufVocabulary("llama", null, tokens, scores, types, Merges: null, BosTokenId: 1, EosTokenId: 2,
            UnknownTokenId: 0, PaddingTokenId: null, AddBosToken: true, AddEosToken: false, ChatTemplate: "[INST]");
    }

    [Fact]
    public void SentencePieceMergesByScore()
    {
        var tokenizer = ModelTokenizer.FromGguf(SentencePieceVocabulary());

        Assert.IsType<LlamaTokenizer>(tokenizer.Inner);
        // ▁ Hello ▁w or l d: "▁Hello" and "orld" are not pieces.
        Assert.Equal([259, 271, 270, 272, 262, 266], tokenizer.Encode("Hello world"));
        Assert.Equal([1, 259, 271], tokenizer.Encode("Hello", addBos: true));
        Assert.Equal("Hello world", tokenizer.Decode(tokenizer.Encode("Hello world")));
    }

    [Fact]
    public void SentencePieceFallsBackToBytesForUnknownCharacters()
    {
        var tokenizer = ModelTokenizer.FromGguf(SentencePieceVocabulary());

        // é is UTF-8 C3 A9 → <0xC3> <0xA9>; a newline is <0x0A>.
        var ids = tokenizer.Encode("Hé\n");

        Assert.Equal([259, 260, 3 + 0xC3, 3 + 0xA9, 3 + 0x0A], ids);
        Assert.Equal("Hé\n", tokenizer.Decode(ids));
    }

    [Fact]
    public void SentencePieceControlAndUserDefinedTokensAreSpecial()
    {
        var tokenizer = ModelTokenizer.FromGguf(SentencePieceVocabulary());

        Assert.Equal(1, tokenizer.SpecialTokens["<s>"]);
        Assert.Equal(273, tokenizer.SpecialTokens["<tool>"]);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal(2, tokenizer.EosTokenId);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal("[INST]", tokenizer.ChatTemplateText);
        Assert.Equal(274, tokenizer.VocabSize);
        var ids = tokenizer.Encode("<s>Hello<tool></s>");
        Assert.Equal(1, ids[0]);
        Assert.Contains(273, ids);
        Assert.Equal(2, ids[^1]);
        Assert.Equal("Hello<tool>", tokenizer.Decode(ids, skipSpecialTokens: true).TrimStart());
    }

    [Fact]
    public void ASentencePieceModelFileIsPreferredInAFolder()
    {
        using var folder = new TokenizerFolderFixture();
        var vocabulary = SentencePieceVocabulary();
        var pieceTypes = vocabulary.TokenTypes!.Select(SentencePieceModelProto.PieceType).ToArray();
        File.WriteAllBytes(Path.Combine(folder.Path, "tokenizer.model"), SentencePieceModelProto.Write(vocabulary, pieceTypes));
        // Llama 2 folders also carry a converted tokenizer.json; the SentencePiece model is the one read.
        folder.Write("tokenizer.json", "{}");

        var tokenizer = ModelTokenizer.Load(folder.Path);

        Assert.Equal([259, 271, 270, 272, 262, 266], tokenizer.Encode("Hello world"));
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal(2, tokenizer.EosTokenId);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal(1, tokenizer.Encode("<s>Hello")[0]);
        Assert.Equal("Hello", tokenizer.Decode(tokenizer.Encode("<s>Hello</s>"), skipSpecialTokens: true).TrimStart());
    }

    [Fact]
    public void Gpt2VocabularyWithTheLlama3PreTokenizerGroupsDigitsAndTakesWholeWords()
    {
        string[] tokens = ["1", "2", "3", "4", "a", "b", "c", "12", "123", "ab", "abc", "<|begin_of_text|>", "<|eot_id|>"];
        int[] types = [.. Enumerable.Repeat(Normal, 11), Control, Control];
        var vocabulary = new GgufVocabulary("gpt2", "llama-bpe", tokens, null, types, ["1 2", "12 3", "a b"],
            BosTokenId: 11, EosTokenId: 12, UnknownTokenId: null, PaddingTokenId: null, AddBosToken: null, AddEosToken: null, ChatTemplate: null);

        var tokenizer = ModelTokenizer.FromGguf(vocabulary);

        // "1234" → "123" + "4"; "abc" is one token although no merge builds it (llama.cpp's ignore_merges for Llama 3).
        Assert.Equal([11, 8, 3, 10, 12], tokenizer.Encode("1234abc<|eot_id|>", addBos: true));
        Assert.True(tokenizer.AddBosToken);
    }

    [Fact]
    public void UnknownModelsAndPreTokenizersAreNotSupported()
    {
        var bert = new GgufVocabulary("bert", null, ["a"], null, null, null, null, null, null, null, null, null, null);
        Assert.Contains("'bert'", Assert.Throws<NotSupportedException>(() => ModelTokenizer.FromGguf(bert)).Message);

        var unknownPre = new GgufVocabulary("gpt2", "falcon", ["a"], null, null, [], null, null, null, null, null, null, null);
        Assert.Contains("'falcon'", Assert.Throws<NotSupportedException>(() => ModelTokenizer.FromGguf(unknownPre)).Message);
    }

    [Fact]
    public void InconsistentVocabulariesAreInvalidData()
    {
        var noMerges = new GgufVocabulary("gpt2", "qwen2", ["a"], null, null, null, null, null, null, null, null, null, null);
        Assert.Throws<InvalidDataException>(() => ModelTokenizer.FromGguf(noMerges));

        var noScores = new GgufVocabulary("llama", null, ["a"], null, null, null, null, null, null, null, null, null, null);
        Assert.Throws<InvalidDataException>(() => ModelTokenizer.FromGguf(noScores));

        var shortTypes = new GgufVocabulary("gpt2", "qwen2", ["a", "b"], null, [Normal], [], null, null, null, null, null, null, null);
        Assert.Throws<InvalidDataException>(() => ModelTokenizer.FromGguf(shortTypes));

    }

    [Fact]
    public void AnIdPastTheTokensIsNoTokenWithAWarning()
    {
        // As llama.cpp reads a file whose id names no token: absent, and said so.
        var badBos = new GgufVocabulary("gpt2", "qwen2", ["a"], null, null, [], BosTokenId: 5, EosTokenId: 0, null, null, AddBosToken: false, null, null);

        var tokenizer = ModelTokenizer.FromGguf(badBos);

        Assert.Null(tokenizer.BosTokenId);
        Assert.Equal(0, tokenizer.EosTokenId);
        Assert.Contains("BOS id 5", Assert.Single(tokenizer.Warnings));
    }
}
