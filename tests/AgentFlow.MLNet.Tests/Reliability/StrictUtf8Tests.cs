using System.Text;
using AgentFlow.MLNet.Text;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// The one UTF-8 check reads files in 64 KiB chunks: what straddles a chunk's end (a multi-byte character, a CRLF) is
/// read as if the file were one block, and an invalid byte past the first chunk is named by its line and byte offset.
/// </summary>
public sealed class StrictUtf8Tests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<int> Shifts => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(Shifts))]
    public void ACharacterOrALineBreakAcrossAChunkEndIsReadAsInOneBlock(int shift)
    {
        // "€" (3 bytes) and "😀" (4 bytes) and a CRLF placed so that some shift of them falls across the first chunk's end.
        byte[] head = Encoding.ASCII.GetBytes(new string('a', Chunk - 4 + shift));
        byte[] bytes = [.. head, .. "€\r\n😀\r"u8.ToArray(), .. "\nb\nc\r"u8.ToArray(), 0xC3, .. "x"u8.ToArray()];
        string path = _temp.File($"straddle{shift}.txt");
        File.WriteAllBytes(path, bytes);

        var invalid = StrictUtf8.FindInvalidInFile(path);

        Assert.NotNull(invalid);
        Assert.Equal(bytes.Length - 2, invalid.Offset);
        Assert.Equal(0xC3, invalid.Value);
        // Lines as StringReader counts them: CRLF, CRLF, LF, then CR before the bad byte.
        Assert.Equal(5, invalid.Line);
        Assert.Equal(invalid, StrictUtf8.FindInvalid(bytes));
        Assert.Equal($"'{path}' line 5 is not valid UTF-8: invalid byte sequence at byte offset {bytes.Length - 2} (0xC3).",
            Assert.Throws<InvalidDataException>(() => StrictUtf8.RequireValidFile(path)).Message);
    }

    [Fact]
    public void AFileOfManyChunksThatIsUtf8ReadsWholeWithItsByteOrderMarkDropped()
    {
        string text = string.Concat(Enumerable.Repeat("é€😀 line\r\n", 3 * Chunk / 16));
        string path = _temp.File("many.txt");
        File.WriteAllBytes(path, [.. StrictUtf8.ByteOrderMark, .. Encoding.UTF8.GetBytes(text)]);

        Assert.Null(StrictUtf8.FindInvalidInFile(path));
        Assert.Equal(text, StrictUtf8.ReadAllText(path));
    }

    [Fact]
    public void ASequenceCutOffAtTheEndOfTheFileIsInvalid()
    {
        string path = _temp.File("cut.txt");
        byte[] bytes = [.. Encoding.ASCII.GetBytes(new string('a', Chunk)), 0xF0, 0x9F, 0x98];
        File.WriteAllBytes(path, bytes);

        Assert.Equal(new InvalidUtf8(Chunk, 0xF0, 1), StrictUtf8.FindInvalidInFile(path));
    }
}
