using System.Text;
using AgentFlow.MLNet.Models.Tokenization;
using Microsoft.ML.Tokenizers;

namespace AgentFlow.MLNet.Tests.Models.Tokenization;

/// <summary>A Llama 3 style tiktoken <c>tokenizer.model</c> ("base64 rank" lines) built by hand.</summary>
public sealed class TiktokenModelTests : IDisposable
{
    private readonly TokenizerFolderFixture _folder = new();

    public TiktokenModelTests()
    {
        // Every single byte at its own rank, then a few merged tokens.
        var merged = new[] { "12", "123", "45", "456", "hi" }.Select((text, i) => (Bytes: Encoding.ASCII.GetBytes(text), Rank: 256 + i));
        var lines = Enumerable.Range(0, 256).Select(b => (Bytes: new[] { (byte)b }, Rank: b))
            .Concat(merged)
            .Select(t => $"{Convert.ToBase64String(t.Bytes)} {t.Rank}");
        _folder.Write("tokenizer.model", string.Join('\n', lines) + "\n");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void LoadsWithTheLlama3SpecialTokensAndSplit()
    {
        var tokenizer = ModelTokenizer.Load(_folder.Path);

        Assert.IsType<TiktokenTokenizer>(tokenizer.Inner);
        Assert.Equal(128000, tokenizer.BosTokenId);
        Assert.Equal(128001, tokenizer.EosTokenId);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal(128256, tokenizer.VocabSize);
        Assert.Equal(128009, tokenizer.SpecialTokens["<|eot_id|>"]);
        Assert.Equal(128255, tokenizer.SpecialTokens["<|reserved_special_token_246|>"]);

        // "hi", " ", "123", "456": Llama 3 groups digits in threes.
        var ids = tokenizer.Encode("hi 123456<|eot_id|>", addBos: true);
        Assert.Equal([128000, 260, 32, 257, 259, 128009], ids);
        Assert.Equal("<|begin_of_text|>hi 123456<|eot_id|>", tokenizer.Decode(ids));
        Assert.Equal("hi 123456", tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("é✓", tokenizer.Decode(tokenizer.Encode("é✓")));
    }

    [Fact]
    public void ATokenizerConfigReplacesTheDefaultSpecialTokens()
    {
        _folder.Write("tokenizer_config.json", """
            {
              "bos_token": "<|begin_of_text|>",
              "eos_token": "<|eot_id|>",
              "added_tokens_decoder": {
                "128000": { "content": "<|begin_of_text|>", "special": true },
                "128009": { "content": "<|eot_id|>", "special": true }
              }
            }
            """);

        var tokenizer = ModelTokenizer.Load(Path.Combine(_folder.Path, "tokenizer.model"));

        Assert.Equal(2, tokenizer.SpecialTokens.Count);
        Assert.Equal(128009, tokenizer.EosTokenId);
        Assert.Equal(128010, tokenizer.VocabSize);
    }

    [Fact]
    public void ABrokenRankFileIsInvalidData()
    {
        var path = _folder.Write("tokenizer.model", "aGk= 0\n!!!notbase64 1\n");

        Assert.Throws<InvalidDataException>(() => ModelTokenizer.Load(path));
    }

    [Fact]
    public void TheFormatOfTokenizerModelIsSniffed()
    {
        Assert.True(TokenizerModelFile.IsTiktoken(Path.Combine(_folder.Path, "tokenizer.model")));
        var protobuf = Path.Combine(_folder.Path, "sentencepiece.model");
        File.WriteAllBytes(protobuf, [0x0A, 0x09, 0x0A, 0x05, .. Encoding.UTF8.GetBytes("<unk>"), 0x15, 0, 0, 0, 0]);
        Assert.False(TokenizerModelFile.IsTiktoken(protobuf));
    }
}
