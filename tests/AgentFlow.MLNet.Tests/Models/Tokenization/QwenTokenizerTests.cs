using System.Text.Json;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Tests.Models.Tokenization;

/// <summary>The real Qwen2/Qwen3 vocabulary: known ids, agreement between file formats, exact round trips.</summary>
public sealed class QwenTokenizerTests(QwenTokenizers qwen) : IClassFixture<QwenTokenizers>
{
    // Ids from Hugging Face tokenizers (Rust) 0.23 on qwen3/tokenizer.json.
    public static TheoryData<string, int[]> HuggingFaceIds => new()
    {
        { "<|im_start|>hello<|im_end|>", [151644, 14990, 151645] },
        { "Hello world", [9707, 1879] },
        { "  leading and   multiple   spaces  ", [220, 6388, 323, 256, 5248, 256, 12621, 256] },
        { "line1\nline2\n\n\nline3\r\n\ttab", [1056, 16, 198, 1056, 17, 1406, 1056, 18, 319, 58149] },
        { "café naïve résumé Ångström", [924, 58858, 94880, 586, 9333, 1242, 963, 79252, 968, 495, 85584] },
        { "中文分词测试，你好世界！", [104811, 17177, 99689, 81705, 3837, 108386, 99489, 6313] },
        { "emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷", [37523, 90316, 144349, 145375, 2997, 61804, 101, 378, 235, 145233, 378, 235, 145665, 8042, 11162, 229, 104, 145070] },
        { "def f(x):\n    return x**2 + 12345678\n", [750, 282, 2075, 982, 262, 470, 856, 334, 17, 488, 220, 16, 17, 18, 19, 20, 21, 22, 23, 198] },
        { "I'm you're they've we'll she'd it's", [40, 2776, 498, 2299, 807, 3003, 582, 3278, 1340, 4172, 432, 594] },
        { "<think>\nreasoning\n</think>\n\nanswer", [151667, 198, 19895, 287, 198, 151668, 271, 9217] },
        { "mixed<|endoftext|>special<|im_end|>tokens", [56685, 151643, 15144, 151645, 30566] },
        { "e\u0301 decomposed", [963, 28502, 3865] }, // NFC first: the same ids as "é decomposed"
    };

    public static TheoryData<string> DiverseText =>
    [
        "",
        "plain ASCII, with punctuation!?",
        "accents: café naïve résumé Ångström ß",
        "中文分词测试，你好世界！ 日本語のテキスト 한국어",
        "emoji 😀👍🏽 👨‍👩‍👧 🇫🇷",
        "code:\n\tfor (int i = 0; i < n; i++) { x[i] *= 2; }\n",
        "   runs of spaces   and\n\n\n\nnewlines\r\n  ",
        "digits 0123456789 3.14159 -42 1e-10",
        "<|im_start|>user\nquestion<|im_end|>\n<|im_start|>assistant\n",
    ];

    [Theory]
    [MemberData(nameof(HuggingFaceIds))]
    public void TokenizerJsonGivesTheIdsOfHuggingFaceTokenizers(string text, int[] expected) =>
        Assert.Equal(expected, qwen.FromFolder.Encode(text));

    [Theory]
    [MemberData(nameof(HuggingFaceIds))]
    public void VocabAndMergesWithQwenSpecialTokensGiveTheSameIds(string text, int[] expected) =>
        Assert.Equal(expected, qwen.FromVocabAndMerges.Encode(text));

    [Theory]
    [MemberData(nameof(DiverseText))]
    public void DiverseTextRoundTripsExactly(string text)
    {
        Assert.Equal(text, qwen.FromFolder.Decode(qwen.FromFolder.Encode(text)));
        Assert.Equal(text, qwen.FromVocabAndMerges.Decode(qwen.FromVocabAndMerges.Encode(text)));
    }

    [Fact]
    public void TheSavedTokenizerLoadsBackGivingTheIdsOfHuggingFaceTokenizers()
    {
        using var folder = new TempFolder();
        qwen.FromVocabAndMerges.Save(folder.Path);
        var fromTokenizerJson = ModelTokenizer.Load(folder.Path);
        qwen.FromFolder.Save(folder.Path);
        var resaved = ModelTokenizer.Load(folder.Path);

        foreach (var row in HuggingFaceIds)
        {
            var (text, expected) = ((string)row[0], (int[])row[1]);
            Assert.Equal(expected, fromTokenizerJson.Encode(text));
            Assert.Equal(expected, resaved.Encode(text));
        }
        Assert.Equal(qwen.FromFolder.ChatTemplateText, resaved.ChatTemplateText);
        Assert.Equal(qwen.FromFolder.EosTokenId, resaved.EosTokenId);
        Assert.Equal(qwen.FromFolder.SpecialTokens.OrderBy(t => t.Value), resaved.SpecialTokens.OrderBy(t => t.Value));
    }

    [Fact]
    public void TheGgufExportPaddedToQwen25sEmbeddingGivesTheSameIds()
    {
        var vocabulary = qwen.FromFolder.ToGgufVocabulary(151_936);
        var fromGguf = ModelTokenizer.FromGguf(vocabulary);

        Assert.Equal(("gpt2", "qwen2", 151_936), (vocabulary.Model, vocabulary.PreTokenizer, vocabulary.Tokens.Count));
        Assert.Equal("[PAD151935]", vocabulary.Tokens[^1]);
        foreach (var row in HuggingFaceIds)
            Assert.Equal((int[])row[1], fromGguf.Encode((string)row[0]));
    }

    [Fact]
    public void BothFileFormatsAgreeOnEveryBenchmarkQuestion()
    {
        var questions = BenchmarkQuestions();
        Assert.True(questions.Count > 900, $"expected the benchmark questions, found {questions.Count}");
        foreach (var question in questions)
        {
            var ids = qwen.FromFolder.Encode(question);
            Assert.Equal(ids, qwen.FromVocabAndMerges.Encode(question));
            Assert.Equal(question, qwen.FromFolder.Decode(ids));
        }
    }

    [Fact]
    public void GgufVocabularyOfTheSameTokensAndMergesGivesTheSameIds()
    {
        var json = TokenizerJson.Read(Path.Combine(QwenTokenizers.Qwen3Folder, "tokenizer.json"));
        var tokens = new string[qwen.FromFolder.VocabSize];
        var types = new int[tokens.Length];
        foreach (var (token, id) in json.Vocabulary)
            (tokens[id], types[id]) = (token, 1);
        foreach (var added in json.AddedTokens)
            (tokens[added.Id], types[added.Id]) = (added.Content, added.Special ? 3 : 4);
        var vocabulary = new GgufVocabulary(
            "gpt2", "qwen2", tokens, Scores: null, types, json.Merges,
            BosTokenId: 151643, EosTokenId: 151645, UnknownTokenId: null, PaddingTokenId: 151643,
            AddBosToken: false, AddEosToken: false, ChatTemplate: null);

        var gguf = ModelTokenizer.FromGguf(vocabulary);

        Assert.Equal(qwen.FromFolder.SpecialTokens.OrderBy(t => t.Value), gguf.SpecialTokens.OrderBy(t => t.Value));
        foreach (var text in BenchmarkQuestions().Take(200).Concat(HuggingFaceIds.Select(row => (string)row[0])))
            Assert.Equal(qwen.FromFolder.Encode(text), gguf.Encode(text));
        Assert.Equal("<think>x</think>", gguf.Decode(gguf.Encode("<|im_start|><think>x</think><|im_end|>"), skipSpecialTokens: true));
    }

    [Fact]
    public void FolderLoadReadsTheTokenizerConfig()
    {
        var tokenizer = qwen.FromFolder;

        Assert.Equal(151669, tokenizer.VocabSize);
        Assert.Equal(26, tokenizer.SpecialTokens.Count);
        Assert.Equal(151644, tokenizer.SpecialTokens["<|im_start|>"]);
        Assert.Null(tokenizer.BosTokenId);
        Assert.Equal(151645, tokenizer.EosTokenId);
        Assert.False(tokenizer.AddBosToken);
        Assert.Contains("<|im_start|>", tokenizer.ChatTemplateText);
        Assert.Throws<InvalidOperationException>(() => tokenizer.Encode("hi", addBos: true));
    }

    [Fact]
    public void SkippingSpecialTokensKeepsQwensNonSpecialAddedTokens()
    {
        var ids = qwen.FromFolder.Encode("<|im_start|>assistant\n<think>\nx\n</think>\n\nhi<|im_end|><|endoftext|>");

        Assert.Equal("assistant\n<think>\nx\n</think>\n\nhi", qwen.FromFolder.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("<|im_start|>assistant\n<think>\nx\n</think>\n\nhi<|im_end|><|endoftext|>", qwen.FromFolder.Decode(ids));
    }

    [Fact]
    public void TextWithAnUnpairedSurrogateStillEncodes() =>
        // Half an emoji, as a streamed decode can leave it, has no NFC form; it must not make encoding throw.
        Assert.Equal(qwen.FromFolder.Encode("half"), qwen.FromFolder.Encode("half\uD83D").Take(1));

    [Fact]
    public void IdsPastTheVocabularyDecodeToNothing() =>
        // Qwen2.5's embedding has 151,936 rows for 151,669 tokens; sampling a padding row must not throw.
        Assert.Equal("Hello", qwen.FromFolder.Decode([9707, 151900]));

    [Fact]
    public void RenderedChatMLEncodesItsMarkersAsSpecialTokens()
    {
        var template = ChatTemplate.Detect(qwen.FromFolder.ChatTemplateText);
        var prompt = template.Render([new ChatTurn("user", "Hello world")], addGenerationPrompt: true);

        var ids = qwen.FromFolder.Encode(prompt, addBos: qwen.FromFolder.AddBosToken && !template.RendersBosToken);

        // <|im_start|> user \n Hello world <|im_end|> \n <|im_start|> assistant \n (Hugging Face gives the same)
        Assert.Equal([151644, 872, 198, 9707, 1879, 151645, 198, 151644, 77091, 198], ids);
    }

    private static List<string> BenchmarkQuestions()
    {
        var questions = new List<string>();
        foreach (var file in Directory.GetFiles(BenchmarkLoader.DefaultDirectory, "*.json").Order())
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var row in document.RootElement.EnumerateArray())
            {
                var question = row.TryGetProperty("question", out var q) && q.ValueKind == JsonValueKind.String ? q : row.GetProperty("query");
                if (question.ValueKind == JsonValueKind.String)
                    questions.Add(question.GetString()!);
            }
        }
        return questions;
    }
}
