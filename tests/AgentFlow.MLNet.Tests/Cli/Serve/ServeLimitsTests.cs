using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// What <c>agentflow serve</c> bounds and how: a body is read before its request takes a slot (a client that sends it
/// slowly holds no slot), a chunked body past <c>--max-request-bytes</c> is a 413, flags out of range are usage errors,
/// and the one allocator setting it makes is said on standard error.
/// </summary>
public sealed class ServeLimitsTests
{
    private const string Short = """{"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":4}""";

    [Fact]
    public async Task AClientSendingItsBodySlowlyHoldsNoSlotSoTheNextIsAnswered()
    {
        using var server = new ServeProcess("--model tiny --max-concurrent-requests 1 --max-tokens-limit 4");
        byte[] body = Encoding.UTF8.GetBytes(Short);
        using var slow = new TcpClient();
        await slow.ConnectAsync(server.Url.Host, server.Url.Port);
        var stream = slow.GetStream();
        // With Expect: 100-continue, Kestrel answers 100 only once the handler starts reading the body: the slow
        // request is then certainly in the handler, where it used to take the one slot before reading.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: {server.Url.Authority}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nExpect: 100-continue\r\n\r\n"));
        Assert.StartsWith("HTTP/1.1 100 Continue", await ReadHeadAsync(stream));
        await stream.WriteAsync(body.AsMemory(0, 10));   // and the rest never comes while the next request is served

        using var http = new HttpClient();
        using var next = await http.PostAsync(new Uri(server.Url, "/v1/chat/completions"), new StringContent(Short, Encoding.UTF8, "application/json"));

        Assert.True(next.StatusCode == HttpStatusCode.OK, await next.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AChunkedBodyPastTheLimitIsA413WithAnOpenAIError()
    {
        using var server = new ServeProcess("--model tiny --max-request-bytes 1024");
        using var client = new TcpClient();
        await client.ConnectAsync(server.Url.Host, server.Url.Port);
        var stream = client.GetStream();
        // No Content-Length to refuse up front: the limit can only be found while reading, 2 KiB in two chunks.
        string chunk = $"{1024:x}\r\n{new string(' ', 1024)}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: {server.Url.Authority}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunk}{chunk}0\r\n\r\n"));

        string head = await ReadHeadAsync(stream);
        using var error = JsonDocument.Parse(await ReadChunkedBodyAsync(stream));

        Assert.StartsWith("HTTP/1.1 413 ", head);
        Assert.Contains("Content-Type: application/json", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("too large", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("--max-request-bytes 2147483648", "--max-request-bytes must be a whole number from 1 to 2147483591, got 2147483648")]
    [InlineData("--max-batch-size 0", "--max-batch-size must be a positive whole number, got 0")]
    [InlineData("--max-concurrent-requests 2 --max-batch-size 4", "--max-batch-size 4 is above --max-concurrent-requests 2: the batch never holds more rows than there are slots")]
    public void AFlagOutOfRangeIsAUsageError(string flags, string expected)
    {
        var result = AgentflowProcess.Run($"serve --model tiny --port 0 {flags}");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"agentflow: {expected} (see 'agentflow serve --help'){Environment.NewLine}", result.Error);
    }

    public static TheoryData<string?> MmapThresholds => [null, "1048576"];

    [Theory]
    [MemberData(nameof(MmapThresholds))]
    public async Task TheServerSaysWhenItFixesGlibcsMmapThresholdAndLeavesAThresholdTheUserSet(string? threshold)
    {
        using var server = threshold is null
            ? new ServeProcess("--model tiny", unset: ["MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"])
            : new ServeProcess("--model tiny", new Dictionary<string, string> { ["MALLOC_MMAP_THRESHOLD_"] = threshold }, unset: ["GLIBC_TUNABLES"]);

        string error = await server.ErrorThroughAsync("serving ");

        string line = "glibc malloc: mmap threshold fixed at 4 MiB";
        if (threshold is null && OperatingSystem.IsLinux())
            Assert.Single(error.Split('\n'), l => l.StartsWith(line, StringComparison.Ordinal));
        else
            Assert.DoesNotContain(line, error);
    }

    /// <summary>The status line and headers, read byte by byte so nothing after them is consumed.</summary>
    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one) == 0)
                throw new InvalidOperationException($"the server closed the connection in the headers: {head}");
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    private static async Task<string> ReadChunkedBodyAsync(NetworkStream stream)
    {
        using var rest = new MemoryStream();
        await stream.CopyToAsync(rest);   // Connection: close, so the server ends it
        string text = Encoding.UTF8.GetString(rest.ToArray());
        var body = new StringBuilder();
        for (int at = 0; ;)
        {
            int lineEnd = text.IndexOf("\r\n", at, StringComparison.Ordinal);
            int size = int.Parse(text.AsSpan(at, lineEnd - at), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
                return body.ToString();
            body.Append(text, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
