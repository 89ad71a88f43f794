using System.Buffers;
using System.Text.Unicode;

namespace AgentFlow.MLNet.Text;

/// <summary>
/// Reads a data file as UTF-8 and refuses what is not UTF-8 (stray bytes, overlong forms, encoded surrogates) instead
/// of replacing it with U+FFFD, which would train or evaluate on text nobody wrote. The error names the line.
/// </summary>
internal static class StrictUtf8File
{
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>The text of <paramref name="path"/>, a leading byte-order mark dropped.</summary>
    /// <exception cref="InvalidDataException">The file is not UTF-8; the message names the line and the byte offset.</exception>
    internal static string ReadAllText(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith(ByteOrderMark) ? ByteOrderMark.Length : 0;
        // UTF-16 never needs more code units than UTF-8 needs bytes for the same text.
        var chars = new char[bytes.Length - start];
        var status = Utf8.ToUtf16(bytes.AsSpan(start), chars, out int read, out int written, replaceInvalidSequences: false, isFinalBlock: true);
        if (status == OperationStatus.Done)
            return new string(chars, 0, written);
        int offset = start + read;
        throw new InvalidDataException($"'{path}' line {LineAt(bytes, offset)} is not valid UTF-8: invalid byte sequence at byte offset {offset} (0x{bytes[offset]:X2}).");
    }

    /// <summary>The 1-based line of byte <paramref name="offset"/>, counting line breaks as <see cref="StringReader.ReadLine"/> does (LF, CRLF, CR).</summary>
    internal static int LineAt(ReadOnlySpan<byte> bytes, int offset)
    {
        int line = 1;
        for (int i = 0; i < offset; i++)
        {
            if (bytes[i] == (byte)'\n' || (bytes[i] == (byte)'\r' && (i + 1 >= bytes.Length || bytes[i + 1] != (byte)'\n')))
                line++;
        }
        return line;
    }
}
