using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// A streamed chat request over a bare connection, read up to its first text chunk and left open: disposing it is a
/// client going away mid-stream. A bare socket, because an HTTP client may drain the rest of a response it was asked
/// to drop, and then the server would see no disconnect at all.
/// </summary>
internal sealed class DroppedStream : IDisposable
{
    private readonly TcpClient _connection;

    private DroppedStream(TcpClient connection, int status, string head)
    {
        _connection = connection;
        Status = status;
        Head = head;
    }

    /// <summary>The response's status code.</summary>
    internal int Status { get; }

    /// <summary>The status line and headers.</summary>
    internal string Head { get; }

    /// <summary>
    /// Posts <paramref name="body"/> to <c>/v1/chat/completions</c>; returns after the headers of a refusal, and after the
    /// first text chunk of a 200 (or its end, when it has none).
    /// </summary>
    internal static async Task<DroppedStream> OpenAsync(Uri server, string body)
    {
        var connection = new TcpClient();
        try
        {
            await connection.ConnectAsync(server.Host, server.Port);
            var stream = connection.GetStream();
            byte[] content = Encoding.UTF8.GetBytes(body);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST /v1/chat/completions HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\nContent-Length: {content.Length}\r\n\r\n"));
            await stream.WriteAsync(content);

            // The server writes ASCII only (JSON escapes the rest), so bytes and characters line up.
            var seen = new StringBuilder();
            var buffer = new byte[4096];
            int headEnd;
            while ((headEnd = seen.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                await ReadAsync();
            string head = seen.ToString(0, headEnd);
            int status = int.Parse(head.Split(' ')[1], CultureInfo.InvariantCulture);
            // An answer whose every token decodes to no text (a stop token first) ends without a text chunk.
            while (status == 200 && !seen.ToString().Contains("\"content\":", StringComparison.Ordinal) && !seen.ToString().Contains("data: [DONE]", StringComparison.Ordinal))
                await ReadAsync();
            return new DroppedStream(connection, status, head);

            async Task ReadAsync()
            {
                int read = await stream.ReadAsync(buffer);
                if (read == 0)
                    throw new InvalidOperationException($"the server closed the connection before the first text chunk: {seen}");
                seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose() => _connection.Dispose();
}
