using System.Text;
using System.Text.Json;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Tests.Models.Tokenization;

/// <summary>Every kind of tokenizer writes files that load back giving the same ids, and a GGUF vocabulary that does too.</summary>
public sealed class TokenizerSaveTests : IDisposable
{
    private const int Control = 3, Unused = 5;

    private readonly TokenizerFolderFixture _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Saved(ModelTokenizer tokenizer, string name = "saved")
    {
        string folder = Path.Combine(_folder.Path, name);
        tokenizer.Save(folder);
        return folder;
    }

    private static void AssertSameTokenizer(ModelTokenizer expected, ModelTokenizer actual, params string[] texts)
    {
        foreach (string text in texts)
        {
            Assert.Equal(expected.Encode(text), actual.Encode(text));
            Assert.Equal(expected.Decode(expected.Encode(text)), actual.Decode(actual.Encode(text)));
        }
        Assert.Equal(expected.SpecialTokens.OrderBy(t => t.Value), actual.SpecialTokens.OrderBy(t => t.Value));
        Assert.Equal((expected.BosTokenId, expected.EosTokenId, expected.AddBosToken, expected.ChatTemplateText), (actual.BosTokenId, actual.EosTokenId, actual.AddBosToken, actual.ChatTemplateText));
    }

    [Fact]
    public void ASentencePieceVocabularyFromGgufIsWrittenAsTokenizerModel()
    {
        var original = ModelTokenizer.FromGguf(GgufTokenizerTests.SentencePieceVocabulary());

        string folder = Saved(original);
        var loaded = ModelTokenizer.Load(folder);

        Assert.Equal(["tokenizer.model", "tokenizer_config.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        AssertSameTokenizer(original, loaded, "Hello world", "Hé\n<tool>", "<s>Hello</s>");
        Assert.Equal([259, 271, 270, 272, 262, 266], loaded.Encode("Hello world"));
    }

    [Fact]
    public void ATiktokenModelIsWrittenBackByteForByte()
    {
        var lines = Enumerable.Range(0, 256).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}")
            .Append($"{Convert.ToBase64String(Encoding.ASCII.GetBytes("hi"))} 256");
        string source = _folder.Write("tokenizer.model", string.Join('\n', lines) + "\n");
        var original = ModelTokenizer.Load(_folder.Path);

        string folder = Saved(original);
        var loaded = ModelTokenizer.Load(folder);

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(Path.Combine(folder, "tokenizer.model")));
        AssertSameTokenizer(original, loaded, "hi 123456<|eot_id|>", "é✓");
        Assert.Equal(128000, loaded.BosTokenId);
    }

    [Fact]
    public void ALlama3VocabularyKeepsItsBosPostProcessorAndWholeWordMatching()
    {
        string[] tokens = ["1", "2", "3", "4", "a", "b", "c", "12", "123", "ab", "abc", "<|begin_of_text|>", "<|eot_id|>"];
        int[] types = [.. Enumerable.Repeat(1, 11), Control, Control];
        var original = ModelTokenizer.FromGguf(new GgufVocabulary("gpt2", "llama-bpe", tokens, null, types, ["1 2", "12 3", "a b"],
            BosTokenId: 11, EosTokenId: 12, UnknownTokenId: null, PaddingTokenId: null, AddBosToken: true, AddEosToken: null, ChatTemplate: "<|start_header_id|>"));

        string folder = Saved(original);
        var loaded = ModelTokenizer.Load(folder);

        AssertSameTokenizer(original, loaded, "1234abc<|eot_id|>", "cab12");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer.json")));
        Assert.Equal("<|begin_of_text|>", json.RootElement.GetProperty("post_processor").GetProperty("single")[0].GetProperty("SpecialToken").GetProperty("id").GetString());
        Assert.True(json.RootElement.GetProperty("model").GetProperty("ignore_merges").GetBoolean());
        Assert.Equal("llama-bpe", loaded.ToGgufVocabulary(tokens.Length).PreTokenizer);
    }

    [Fact]
    public void TokenizerFilesOfAnotherKindAreRemovedSoTheyCannotShadowTheNewOnes()
    {
        var sentencePiece = ModelTokenizer.FromGguf(GgufTokenizerTests.SentencePieceVocabulary());
        string folder = Saved(sentencePiece);
        File.WriteAllText(Path.Combine(folder, "chat_template.jinja"), "[INST]");

        TinyModel.Tokenizer().Save(folder);
        var loaded = ModelTokenizer.Load(folder);

        Assert.False(File.Exists(Path.Combine(folder, "tokenizer.model")));
        Assert.False(File.Exists(Path.Combine(folder, "chat_template.jinja")));
        Assert.Equal([72, 105], loaded.Encode("Hi"));
        Assert.Equal(TinyModel.ChatTemplateText, loaded.ChatTemplateText);
    }

    [Fact]
    public void TheGgufVocabularyIsPaddedToTheEmbeddingRowsWithUnusedTokens()
    {
        var tiny = TinyModel.Tokenizer();

        var vocabulary = tiny.ToGgufVocabulary(264);
        var reloaded = ModelTokenizer.FromGguf(vocabulary);

        Assert.Equal(264, vocabulary.Tokens.Count);
        Assert.Equal(["[PAD259]", "[PAD260]", "[PAD261]", "[PAD262]", "[PAD263]"], vocabulary.Tokens.Skip(259));
        Assert.Equal([Control, Control, Control, Unused, Unused, Unused, Unused, Unused], vocabulary.TokenTypes!.Skip(256));
        Assert.Equal(("gpt2", "gpt-2"), (vocabulary.Model, vocabulary.PreTokenizer));
        AssertSameTokenizer(tiny, reloaded, "<|im_start|>héllo ✓<|im_end|>", "e\u0301");
    }

    [Fact]
    public void AVocabularyThatCannotBeWrittenToGgufSaysWhy()
    {
        var tiny = TinyModel.Tokenizer();
        Assert.Throws<ArgumentOutOfRangeException>(() => tiny.ToGgufVocabulary(258));

        var lines = Enumerable.Range(0, 256).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}");
        _folder.Write("tokenizer.model", string.Join('\n', lines) + "\n");
        var tiktoken = ModelTokenizer.Load(_folder.Path);
        Assert.Contains("llama.cpp's converter", Assert.Throws<NotSupportedException>(() => tiktoken.ToGgufVocabulary(tiktoken.VocabSize)).Message);
    }
}
