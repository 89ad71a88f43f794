using System.Text;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// Collects a byte stream keeping only its first and last <c>capacity / 2</c> bytes, so a script that prints
/// without end cannot exhaust the host's memory, while the beginning and the end of its output survive.
/// </summary>
internal sealed class BoundedOutput(int capacity)
{
    private readonly byte[] head = new byte[capacity - capacity / 2];
    private readonly byte[] tail = new byte[capacity / 2];
    private int headLength;
    private long tailWritten;

    /// <summary>How many bytes the stream held in all.</summary>
    internal long TotalBytes => headLength + tailWritten;

    /// <summary>Whether bytes were dropped.</summary>
    internal bool Truncated => tailWritten > tail.Length;

    /// <summary>Reads <paramref name="stream"/> to its end.</summary>
    internal async Task ReadToEndAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            Append(buffer.AsSpan(0, read));
    }

    /// <summary>Adds bytes: the head fills first, then the tail keeps the latest bytes in a ring.</summary>
    internal void Append(ReadOnlySpan<byte> bytes)
    {
        int toHead = Math.Min(bytes.Length, head.Length - headLength);
        bytes[..toHead].CopyTo(head.AsSpan(headLength));
        headLength += toHead;
        foreach (byte value in bytes[toHead..])
            tail[tailWritten++ % tail.Length] = value;
    }

    /// <summary>The text kept, as UTF-8, with a marker where bytes were dropped.</summary>
    public override string ToString()
    {
        byte[] latest = new byte[Math.Min(tailWritten, tail.Length)];
        for (int i = 0; i < latest.Length; i++)
            latest[i] = tail[(tailWritten - latest.Length + i) % tail.Length];
        if (!Truncated)
            return Encoding.UTF8.GetString([.. head.AsSpan(0, headLength), .. latest]);

        // Cut both sides at character boundaries, so no half character turns into a replacement mark.
        int headEnd = headLength;
        int lead = headEnd - 1;
        while (lead > 0 && headEnd - lead < 4 && IsContinuation(head[lead]))
            lead--;
        if (lead >= 0 && SequenceLength(head[lead]) > headEnd - lead)
            headEnd = lead;
        int tailStart = 0;
        while (tailStart < latest.Length && IsContinuation(latest[tailStart]))
            tailStart++;
        return Encoding.UTF8.GetString(head, 0, headEnd)
            + $"\n... [{TotalBytes - headEnd - (latest.Length - tailStart)} bytes of output dropped] ...\n"
            + Encoding.UTF8.GetString(latest, tailStart, latest.Length - tailStart);
    }

    private static bool IsContinuation(byte value) => (value & 0xC0) == 0x80;

    private static int SequenceLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        >= 0xF0 => 4,
        >= 0xE0 => 3,
        >= 0xC0 => 2,
        _ => 1,
    };
}
