using System.Buffers;
using System.Text.Unicode;

namespace AgentFlow.Cli;

/// <summary>
/// UTF-8 decoding that refuses what is not UTF-8 instead of replacing it with U+FFFD: tokenizing a replacement
/// character would print ids of text the user never gave, and evaluating or training on one would score a question
/// nobody wrote. Overlong forms, encoded surrogates and a sequence cut off at the end are refused too, as Python's
/// strict decoder refuses them.
/// </summary>
internal static class StrictUtf8
{
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// The text of <paramref name="bytes"/>, a byte-order mark kept as U+FEFF; an <see cref="InvalidDataException"/>
    /// naming <paramref name="source"/> and the byte offset of the first invalid sequence otherwise.
    /// </summary>
    internal static string Decode(ReadOnlySpan<byte> bytes, string source) =>
        TryDecode(bytes, out string text, out int offset)
            ? text
            : throw new InvalidDataException($"{source} is not valid UTF-8: invalid byte sequence at byte offset {offset} (0x{bytes[offset]:X2})");

    /// <summary>
    /// The text of the file at <paramref name="path"/>, a leading byte-order mark dropped; an <see cref="InvalidDataException"/>
    /// naming the file, the line and the byte offset of the first invalid sequence otherwise (<c>questions.csv:3: ...</c>).
    /// </summary>
    internal static string ReadFile(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith(ByteOrderMark) ? ByteOrderMark.Length : 0;
        if (TryDecode(bytes.AsSpan(start), out string text, out int offset))
            return text;
        offset += start;
        throw new InvalidDataException($"{path}:{LineAt(bytes, offset)}: not valid UTF-8: invalid byte sequence at byte offset {offset} (0x{bytes[offset]:X2})");
    }

    private static bool TryDecode(ReadOnlySpan<byte> bytes, out string text, out int offset)
    {
        // UTF-16 never needs more code units than UTF-8 needs bytes for the same text.
        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out offset, out int written, replaceInvalidSequences: false, isFinalBlock: true);
        text = status == OperationStatus.Done ? new string(chars, 0, written) : "";
        return status == OperationStatus.Done;
    }

    /// <summary>The 1-based line of byte <paramref name="offset"/>, with line breaks counted as the question readers count them (LF, CRLF, CR).</summary>
    private static int LineAt(ReadOnlySpan<byte> bytes, int offset)
    {
        int line = 1;
        for (int i = 0; i < offset; i++)
        {
            if (bytes[i] == (byte)'\n' || (bytes[i] == (byte)'\r' && bytes[i + 1] != (byte)'\n'))
                line++;
        }
        return line;
    }
}
