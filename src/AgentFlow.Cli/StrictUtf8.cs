using System.Buffers;
using System.Text.Unicode;

namespace AgentFlow.Cli;

/// <summary>
/// UTF-8 decoding that refuses what is not UTF-8 instead of replacing it with U+FFFD: tokenizing a replacement
/// character would print ids of text the user never gave. Overlong forms, encoded surrogates and a sequence cut
/// off at the end are refused too, as Python's strict decoder refuses them. A byte-order mark is kept as U+FEFF.
/// </summary>
internal static class StrictUtf8
{
    /// <summary>The text of <paramref name="bytes"/>; an <see cref="InvalidDataException"/> naming <paramref name="source"/> and the byte offset of the first invalid sequence otherwise.</summary>
    internal static string Decode(ReadOnlySpan<byte> bytes, string source)
    {
        // UTF-16 never needs more code units than UTF-8 needs bytes for the same text.
        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out int read, out int written, replaceInvalidSequences: false, isFinalBlock: true);
        if (status != OperationStatus.Done)
            throw new InvalidDataException($"{source} is not valid UTF-8: invalid byte sequence at byte offset {read} (0x{bytes[read]:X2})");
        return new string(chars, 0, written);
    }
}
