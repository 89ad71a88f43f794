using System.Text;
using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Tests.Models.Tokenization;

/// <summary>The merge-free byte tokenizer used by tiny models trained from scratch.</summary>
public sealed class ByteLevelTokenizerTests
{
    private static readonly ModelTokenizer ChatBytes = ModelTokenizer.ByteLevel(["<|im_start|>", "<|im_end|>", "<|endoftext|>"], eosToken: "<|im_end|>");

    [Fact]
    public void IdsAreTheUtf8BytesThenTheSpecialTokens()
    {
        Assert.Equal([65, 0xC3, 0xA9, 32, 10], ChatBytes.Encode("Aé \n"));
        Assert.Equal([256, 104, 105, 257], ChatBytes.Encode("<|im_start|>hi<|im_end|>"));
        Assert.Equal(257, ChatBytes.EosTokenId);
        Assert.Null(ChatBytes.BosTokenId);
        Assert.Equal(259, ChatBytes.VocabSize);
        Assert.Equal(256, ModelTokenizer.ByteLevel().VocabSize);
    }

    [Fact]
    public void AnyUtf8TextRoundTrips()
    {
        var random = new Random(20240607);
        for (var sample = 0; sample < 200; sample++)
        {
            var text = new StringBuilder();
            var length = random.Next(0, 40);
            for (var i = 0; i < length; i++)
            {
                // Mostly ASCII and whitespace, some Latin-1, CJK and astral code points (emoji): all scalar values.
                var codePoint = random.Next(6) switch
                {
                    0 => random.Next(0x20, 0x7F),
                    1 => " \n\t\r"[random.Next(4)],
                    2 => random.Next(0xA0, 0x250),
                    3 => random.Next(0x4E00, 0x9FFF),
                    4 => random.Next(0x1F300, 0x1FAFF),
                    _ => random.Next(0x1, 0xD7FF),
                };
                text.Append(char.ConvertFromUtf32(codePoint));
            }
            var original = text.ToString();

            Assert.Equal(original, ChatBytes.Decode(ChatBytes.Encode(original)));
            Assert.Equal(Encoding.UTF8.GetByteCount(original), ChatBytes.Encode(original).Count);
        }
    }

    [Fact]
    public void SkippingSpecialTokensLeavesTheText() =>
        Assert.Equal("hi", ChatBytes.Decode(ChatBytes.Encode("<|im_start|>hi<|im_end|><|endoftext|>"), skipSpecialTokens: true));

    [Fact]
    public void BadSpecialTokenArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => ModelTokenizer.ByteLevel(["<a>", "<a>"]));
        Assert.Throws<ArgumentException>(() => ModelTokenizer.ByteLevel(["<a>"], eosToken: "<b>"));
    }
}
