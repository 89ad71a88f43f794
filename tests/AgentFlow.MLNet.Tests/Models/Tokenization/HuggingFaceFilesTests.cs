using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Tests.Models.Tokenization;

/// <summary>Small hand-written tokenizer.json / vocab.json / merges.txt files: what each field changes, and the errors.</summary>
public sealed class HuggingFaceFilesTests : IDisposable
{
    private const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    // Every merge of "12345" exists, so only the pre-tokenizer's split decides the ids.
    private static readonly Dictionary<string, int> DigitVocab = new()
    {
        ["1"] = 0, ["2"] = 1, ["3"] = 2, ["4"] = 3, ["5"] = 4, ["12"] = 5, ["123"] = 6, ["45"] = 7, ["12345"] = 8,
    };

    private static readonly (string, string)[] DigitMerges = [("1", "2"), ("12", "3"), ("4", "5"), ("123", "45")];

    private readonly TokenizerFolderFixture _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void TheSplitPatternOfTokenizerJsonDecidesHowDigitsGroup()
    {
        var qwen = ModelTokenizer.FromTokenizerJson(_folder.WriteTokenizerJson(DigitVocab, DigitMerges, Qwen2Pattern));
        Assert.Equal([0, 1, 2, 3, 4], qwen.Encode("12345")); // Qwen2: every digit alone

        var llama3 = ModelTokenizer.FromTokenizerJson(_folder.WriteTokenizerJson(DigitVocab, DigitMerges, Llama3Pattern));
        Assert.Equal([6, 7], llama3.Encode("12345")); // Llama 3: runs of up to three digits

        var gpt2 = ModelTokenizer.FromTokenizerJson(_folder.WriteTokenizerJson(DigitVocab, DigitMerges, splitPattern: null));
        Assert.Equal([8], gpt2.Encode("12345")); // ByteLevel(use_regex): GPT-2 keeps a digit run whole
    }

    [Fact]
    public void MergesWrittenAsStringsOrAsPairsAreTheSame()
    {
        var pairs = ModelTokenizer.FromTokenizerJson(_folder.WriteTokenizerJson(DigitVocab, DigitMerges, splitPattern: null));
        var strings = ModelTokenizer.FromTokenizerJson(_folder.WriteTokenizerJson(DigitVocab, DigitMerges, splitPattern: null, mergesAsStrings: true));

        Assert.Equal(pairs.Encode("12345 4512"), strings.Encode("12345 4512"));
    }

    [Fact]
    public void IgnoreMergesTakesAWordFoundWholeInTheVocabulary()
    {
        // "abc" is in the vocabulary but no merge builds it from "ab" + "c".
        var vocab = new Dictionary<string, int> { ["a"] = 0, ["b"] = 1, ["c"] = 2, ["ab"] = 3, ["abc"] = 4 };
        (string, string)[] merges = [("a", "b")];

        var plain = ModelTokenizer.FromTokenizerJson(_folder.WriteTokenizerJson(vocab, merges, Llama3Pattern));
        var ignoring = ModelTokenizer.FromTokenizerJson(_folder.WriteTokenizerJson(vocab, merges, Llama3Pattern, ignoreMerges: true));

        Assert.Equal([3, 2], plain.Encode("abc"));
        Assert.Equal([4], ignoring.Encode("abc"));
        Assert.Equal("abc", ignoring.Decode([4]));
    }

    [Fact]
    public void TokenizerConfigNamesBosEosAndTheChatTemplate()
    {
        var vocab = new Dictionary<string, int> { ["h"] = 0, ["i"] = 1, ["hi"] = 2 };
        _folder.WriteTokenizerJson(vocab, [("h", "i")], Llama3Pattern, addedTokens: [(3, "<|begin_of_text|>", true), (4, "<|eot_id|>", true)]);
        _folder.Write("tokenizer_config.json", """
            {
              "add_bos_token": true,
              "bos_token": "<|begin_of_text|>",
              "eos_token": { "content": "<|eot_id|>", "special": true },
              "added_tokens_decoder": { "5": { "content": "<|extra|>", "special": false } },
              "chat_template": [ { "name": "tool_use", "template": "tools" }, { "name": "default", "template": "{{ '<|start_header_id|>' }}" } ]
            }
            """);

        var tokenizer = ModelTokenizer.Load(_folder.Path);

        Assert.Equal(3, tokenizer.BosTokenId);
        Assert.Equal(4, tokenizer.EosTokenId);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal("{{ '<|start_header_id|>' }}", tokenizer.ChatTemplateText);
        Assert.Equal(6, tokenizer.VocabSize);
        Assert.Equal([3, 2, 5, 4], tokenizer.Encode("hi<|extra|><|eot_id|>", addBos: true));
        Assert.Equal("hi<|extra|>", tokenizer.Decode([3, 2, 5, 4], skipSpecialTokens: true));
    }

    [Fact]
    public void VocabAndMergesReadTheSameWithOrWithoutAVersionLine()
    {
        var vocab = _folder.Write("vocab.json", """{"1": 0, "2": 1, "3": 2, "12": 3, "123": 4, "Ġ": 5}""");
        var bare = _folder.Write("merges.txt", "1 2\n12 3\n");
        var versioned = _folder.Write("versioned.txt", "#version: 0.2\n1 2\n12 3\n");

        var fromBare = ModelTokenizer.FromVocabAndMerges(vocab, bare, new Dictionary<string, int> { ["<|im_end|>"] = 6 });
        var fromVersioned = ModelTokenizer.FromVocabAndMerges(vocab, versioned, new Dictionary<string, int> { ["<|im_end|>"] = 6 });

        // The Qwen2 split keeps digits apart, so "123" stays three tokens; the special token is matched whole.
        Assert.Equal([0, 1, 2, 5, 6], fromBare.Encode("123 <|im_end|>"));
        Assert.Equal(fromBare.Encode("123 <|im_end|>"), fromVersioned.Encode("123 <|im_end|>"));
        Assert.Equal(7, fromBare.VocabSize);
    }

    [Fact]
    public void AMalformedMergesLineIsReportedWithItsNumber()
    {
        var vocab = _folder.Write("vocab.json", """{"a": 0, "b": 1, "ab": 2}""");
        var merges = _folder.Write("merges.txt", "a b\nab\n");

        var error = Assert.Throws<InvalidDataException>(() => ModelTokenizer.FromVocabAndMerges(vocab, merges));

        Assert.Contains("merges.txt' line 2", error.Message);
    }

    [Fact]
    public void AMergeOfUnknownTokensIsInvalidData()
    {
        var path = _folder.WriteTokenizerJson(new Dictionary<string, int> { ["a"] = 0 }, [("a", "z")], Qwen2Pattern);

        var error = Assert.Throws<InvalidDataException>(() => ModelTokenizer.FromTokenizerJson(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void MalformedJsonNamesTheFile()
    {
        var path = _folder.Write("tokenizer.json", "{ \"model\": ");

        var error = Assert.Throws<InvalidDataException>(() => ModelTokenizer.FromTokenizerJson(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void AMissingFieldIsNamed()
    {
        var path = _folder.Write("tokenizer.json", """{ "model": { "type": "BPE", "vocab": { "a": 0 } } }""");

        var error = Assert.Throws<InvalidDataException>(() => ModelTokenizer.FromTokenizerJson(path));

        Assert.Contains("model.merges", error.Message);
    }

    [Fact]
    public void AnotherTokenizerModelTypeIsNotSupported()
    {
        var path = _folder.Write("tokenizer.json", """{ "model": { "type": "Unigram", "vocab": [] } }""");

        var error = Assert.Throws<NotSupportedException>(() => ModelTokenizer.FromTokenizerJson(path));

        Assert.Contains("Unigram", error.Message);
    }

    [Fact]
    public void AFolderWithoutTokenizerFilesListsWhatWasLookedFor()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ModelTokenizer.Load(_folder.Path));

        foreach (var name in (string[])["tokenizer.json", "vocab.json", "merges.txt", "tokenizer.model"])
            Assert.Contains(name, error.Message);
        Assert.Throws<FileNotFoundException>(() => ModelTokenizer.Load(Path.Combine(_folder.Path, "absent")));
    }
}
