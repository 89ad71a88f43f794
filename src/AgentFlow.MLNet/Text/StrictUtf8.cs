using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace AgentFlow.MLNet.Text;

/// <summary>
/// The one UTF-8 check of the library and the CLI: what is not UTF-8 (stray bytes, overlong forms, encoded surrogates,
/// a sequence cut off at the end) is refused instead of replaced with U+FFFD, which would tokenize, train on or score
/// text nobody wrote. Every surface words the refusal the same way (<see cref="InvalidUtf8.Description"/>) after
/// naming the input in its own convention. Files are checked in one streaming pass, so a check needs a buffer, not
/// the file, in memory.
/// </summary>
internal static class StrictUtf8
{
    private const int ChunkBytes = 64 * 1024;

    /// <summary>UTF-8 that throws on invalid bytes and drops a leading byte-order mark when a <see cref="StreamReader"/> reads it.</summary>
    internal static readonly UTF8Encoding Encoding = new(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    /// <summary>The UTF-8 byte-order mark, EF BB BF.</summary>
    internal static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>The first invalid sequence in <paramref name="bytes"/>, or null when they are all UTF-8.</summary>
    internal static InvalidUtf8? FindInvalid(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
            return null;
        var scan = new Scan();
        scan.Advance(bytes, isFinalBlock: true, out var invalid);
        return invalid;
    }

    /// <summary>
    /// The first invalid sequence in the file at <paramref name="path"/>, read in chunks, or null when it is all UTF-8.
    /// A leading byte-order mark is UTF-8 (U+FEFF) and so never the invalid sequence.
    /// </summary>
    internal static InvalidUtf8? FindInvalidInFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes + 4);
        try
        {
            var scan = new Scan();
            int carried = 0;
            while (true)
            {
                int read = file.Read(buffer, carried, ChunkBytes);
                int length = carried + read;
                int consumed = scan.Advance(buffer.AsSpan(0, length), isFinalBlock: read == 0, out var invalid);
                if (invalid is not null)
                    return invalid;
                if (read == 0)
                    return null;
                // A sequence cut by the chunk's end (at most 3 bytes) is carried into the next.
                carried = length - consumed;
                buffer.AsSpan(consumed, carried).CopyTo(buffer);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The text of the file at <paramref name="path"/>, a leading byte-order mark dropped; an <see cref="InvalidDataException"/>
    /// saying <c>'PATH' line N is not valid UTF-8: ...</c> otherwise (the library's convention).
    /// </summary>
    internal static string ReadAllText(string path)
    {
        RequireValidFile(path);
        return File.ReadAllText(path, Encoding);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> saying <c>'PATH' line N is not valid UTF-8: ...</c> unless the file is UTF-8.</summary>
    internal static void RequireValidFile(string path)
    {
        if (FindInvalidInFile(path) is { } invalid)
            throw new InvalidDataException($"'{path}' line {invalid.Line} is not valid UTF-8: {invalid.Description}.");
    }

    /// <summary>
    /// Counts bytes and lines across chunks. Lines break as <see cref="StringReader.ReadLine"/> breaks them (LF, CRLF,
    /// CR): every CR counts, and every LF that does not end a CRLF.
    /// </summary>
    private sealed class Scan
    {
        private readonly char[] _chars = new char[ChunkBytes + 4];
        private long _offset;
        private long _line = 1;
        private bool _afterCarriageReturn;

        /// <summary>Checks <paramref name="bytes"/>; returns how many were consumed (all but a cut-off sequence at the end when not final).</summary>
        internal int Advance(ReadOnlySpan<byte> bytes, bool isFinalBlock, out InvalidUtf8? invalid)
        {
            int consumed = 0;
            while (true)
            {
                var rest = bytes[consumed..];
                int take = Math.Min(rest.Length, _chars.Length);
                // A final block that is cut into pieces here is final only in its last piece.
                bool final = isFinalBlock && take == rest.Length;
                var status = Utf8.ToUtf16(rest[..take], _chars, out int read, out _, replaceInvalidSequences: false, isFinalBlock: final);
                Count(rest[..read]);
                consumed += read;
                if (status == OperationStatus.InvalidData)
                {
                    invalid = new InvalidUtf8(_offset, bytes[consumed], _line);
                    return consumed;
                }
                // Done with the whole span, or a sequence cut off at its end that the next chunk completes; a piece
                // that ended inside a sequence is simply continued from that sequence's first byte.
                if (consumed == bytes.Length || take == rest.Length)
                {
                    invalid = null;
                    return consumed;
                }
            }
        }

        private void Count(ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty)
                return;
            _line += bytes.Count((byte)'\r') + bytes.Count((byte)'\n') - bytes.Count("\r\n"u8);
            if (_afterCarriageReturn && bytes[0] == (byte)'\n')
                _line--;
            _afterCarriageReturn = bytes[^1] == (byte)'\r';
            _offset += bytes.Length;
        }
    }
}

/// <summary>Where a byte sequence stops being UTF-8: its byte offset, its first byte and its 1-based line.</summary>
internal sealed record InvalidUtf8(long Offset, byte Value, long Line)
{
    /// <summary>The words every surface uses: <c>invalid byte sequence at byte offset 21 (0xFF)</c>.</summary>
    internal string Description => $"invalid byte sequence at byte offset {Offset} (0x{Value:X2})";
}
