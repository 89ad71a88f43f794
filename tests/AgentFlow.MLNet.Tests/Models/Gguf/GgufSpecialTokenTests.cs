using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Models.Gguf;

/// <summary>
/// GGUF writers say "no such token" with an id past the vocabulary, usually 0xFFFFFFFF; llama.cpp loads such files,
/// treating the token as absent with a warning. So must we, for every special-token key, while still refusing an id
/// that is not an integer at all.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class GgufSpecialTokenTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public GgufSpecialTokenTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    // Written out rather than taken from the library, so a key dropped from its list fails here.
    public static TheoryData<string> SpecialTokenKeys() =>
    [
        "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id",
        "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.seperator_token_id", "tokenizer.ggml.padding_token_id",
        "tokenizer.ggml.cls_token_id", "tokenizer.ggml.mask_token_id", "tokenizer.ggml.fim_pre_token_id",
        "tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.fim_pad_token_id",
        "tokenizer.ggml.fim_rep_token_id", "tokenizer.ggml.fim_sep_token_id", "tokenizer.ggml.prefix_token_id",
        "tokenizer.ggml.suffix_token_id", "tokenizer.ggml.middle_token_id",
    ];

    private string CleanFile()
    {
        string path = _temp.File("clean.gguf");
        if (!File.Exists(path))
            TinyLocalModels.SaveGguf(path).Dispose();
        return path;
    }

    private static IReadOnlyList<int> Greedy(LocalModel local, string prompt) =>
        new GenerationEngine(local.Model).Generate([local.EncodePrompt(prompt)], new SamplingOptions { MaxNewTokens = 6 }).Single().CompletionIds;

    [Theory]
    [MemberData(nameof(SpecialTokenKeys))]
    public void A_file_saying_none_with_0xFFFFFFFF_for_any_special_token_loads_warns_and_generates(string key)
    {
        string path = GgufRewrite.WithEntry(CleanFile(), _temp.File("none.gguf"), key, 0xFFFFFFFFu);

        using var local = LocalModel.Load(path);
        using var clean = LocalModel.Load(CleanFile());

        string warning = Assert.Single(local.Warnings, w => w.Contains(key, StringComparison.Ordinal));
        Assert.Contains("4294967295", warning);
        Assert.Contains(path, warning);
        // Same weights, so the same greedy continuation; no id past the vocabulary became a stop token.
        Assert.Equal(Greedy(clean, "abc"), Greedy(local, "abc"));
        Assert.All(local.StopTokenIds, id => Assert.InRange(id, 0, TinyLocalModels.Config().VocabSize - 1));
    }

    [Theory]
    [InlineData("tokenizer.ggml.bos_token_id")]
    [InlineData("tokenizer.ggml.eos_token_id")]
    [InlineData("tokenizer.ggml.unknown_token_id")]
    [InlineData("tokenizer.ggml.padding_token_id")]
    [InlineData("tokenizer.ggml.eot_token_id")]
    public void An_id_that_names_no_token_is_absent_from_the_vocabulary_and_the_config(string key)
    {
        // Every way a writer spells "none": -1 as uint32, as int32, as uint64, and the first id past the tokens.
        object[] spellings = [0xFFFFFFFFu, -1, ulong.MaxValue, (uint)TinyLocalModels.Config().VocabSize];
        foreach (var (value, i) in spellings.Select((value, i) => (value, i)))
        {
            string path = GgufRewrite.WithEntry(CleanFile(), _temp.File($"none-{i}.gguf"), key, value);

            var gguf = GgufModelLoader.Load(path);
            foreach (var weight in gguf.Weights.Values)
                weight.Dispose();

            var vocabulary = gguf.Vocabulary!;
            int?[] ids = [vocabulary.BosTokenId, vocabulary.EosTokenId, vocabulary.UnknownTokenId, vocabulary.PaddingTokenId, gguf.Config.BosTokenId, .. gguf.Config.EosTokenIds.Cast<int?>()];
            Assert.All(ids, id => Assert.True(id is null or >= 0 and < 259, $"{key} = {value}: id {id} survived"));
            Assert.Contains(gguf.Warnings, w => w.Contains(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Without_any_end_of_sequence_token_the_model_runs_to_its_token_limit_with_a_warning()
    {
        string path = GgufRewrite.WithEntry(CleanFile(), _temp.File("no-eos.gguf"), "tokenizer.ggml.eos_token_id", 0xFFFFFFFFu);

        using var local = LocalModel.Load(path);

        Assert.Empty(local.StopTokenIds);
        Assert.Null(local.Tokenizer.EosTokenId);
        Assert.Contains(local.Warnings, w => w.Contains("no end-of-sequence token", StringComparison.Ordinal));
        Assert.Equal(6, Greedy(local, "abc").Count);
    }

    [Fact]
    public void A_bos_the_file_asks_for_but_does_not_name_is_left_out_of_prompts_with_a_warning()
    {
        string withAddBos = GgufRewrite.WithEntry(CleanFile(), _temp.File("add-bos.gguf"), "tokenizer.ggml.add_bos_token", true);
        string path = GgufRewrite.WithEntry(withAddBos, _temp.File("add-bos-none.gguf"), "tokenizer.ggml.bos_token_id", 0xFFFFFFFFu);

        using var local = LocalModel.Load(path);

        Assert.False(local.Tokenizer.AddBosToken);
        Assert.Contains(local.Warnings, w => w.Contains("add_bos_token", StringComparison.Ordinal));
        Assert.Equal("abc"u8.ToArray().Select(b => (int)b), local.EncodePrompt("abc"));
    }

    [Fact]
    public void Loading_only_the_tokenizer_reports_the_same_warning()
    {
        string path = GgufRewrite.WithEntry(CleanFile(), _temp.File("pad-none.gguf"), "tokenizer.ggml.padding_token_id", 0xFFFFFFFFu);

        var tokenizer = LocalModel.LoadTokenizer(path);

        Assert.Contains(tokenizer.Warnings, w => w.Contains("tokenizer.ggml.padding_token_id is 4294967295", StringComparison.Ordinal));
        Assert.Equal(TinyLocalModels.ImEnd, tokenizer.EosTokenId);
    }

    [Fact]
    public void A_clean_file_loads_without_warnings_and_keeps_its_ids()
    {
        using var local = LocalModel.Load(CleanFile());

        Assert.Empty(local.Warnings);
        Assert.Equal(TinyLocalModels.ImEnd, local.Tokenizer.EosTokenId);
        Assert.Equal([TinyLocalModels.ImEnd], local.StopTokenIds);
    }

    [Fact]
    public void A_special_token_id_that_is_not_an_integer_is_still_corrupt()
    {
        string path = GgufRewrite.WithEntry(CleanFile(), _temp.File("string-id.gguf"), "tokenizer.ggml.padding_token_id", "none");

        var error = Assert.Throws<InvalidDataException>(() => LocalModel.Load(path));

        Assert.Contains("tokenizer.ggml.padding_token_id", error.Message);
    }

    [Fact]
    public void Per_token_lists_shorter_than_the_tokens_are_corrupt_and_longer_ones_are_read_in_part()
    {
        var types = TinyLocalModels.ByteVocabulary().TokenTypes!;
        string shorter = GgufRewrite.WithEntry(CleanFile(), _temp.File("short.gguf"), "tokenizer.ggml.token_type", types.Take(200).ToArray());
        string longer = GgufRewrite.WithEntry(CleanFile(), _temp.File("long.gguf"), "tokenizer.ggml.token_type", types.Append(1).ToArray());

        Assert.Contains("200 entries for 259 tokens", Assert.Throws<InvalidDataException>(() => LocalModel.LoadTokenizer(shorter)).Message);
        var tokenizer = LocalModel.LoadTokenizer(longer);
        Assert.Contains(tokenizer.Warnings, w => w.Contains("260 entries for 259 tokens", StringComparison.Ordinal));
        Assert.Equal(TinyLocalModels.ImEnd, tokenizer.SpecialTokens["<|im_end|>"]);
    }

    [Fact]
    public void An_empty_token_is_named_by_its_id_as_llama_cpp_does()
    {
        var tokens = TinyLocalModels.ByteVocabulary().Tokens.ToArray();
        tokens[TinyLocalModels.EndOfText] = "";
        string path = GgufRewrite.WithEntry(CleanFile(), _temp.File("empty-token.gguf"), "tokenizer.ggml.tokens", tokens);

        var tokenizer = LocalModel.LoadTokenizer(path);

        Assert.Equal(TinyLocalModels.EndOfText, tokenizer.SpecialTokens[$"[EMPTY_{TinyLocalModels.EndOfText}]"]);
        Assert.Contains(tokenizer.Warnings, w => w.Contains("empty", StringComparison.Ordinal));
        Assert.Equal([TinyLocalModels.ImStart, 104, 105, TinyLocalModels.ImEnd], tokenizer.Encode("<|im_start|>hi<|im_end|>"));
    }
}
