using System.Net;
using System.Text;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// A client that goes away in the middle of a streamed answer frees its decode row and its slot: the server's
/// <c>/metrics</c> shows the row cancelled before its end, and the one slot serves the next request.
/// </summary>
public sealed class ServeDisconnectTests
{
    // Greedy from this prompt, the tiny model runs to its 2,000th token (finish_reason "length") unless cancelled:
    // seconds of decoding, against the moments this test needs between the first chunk and closing the connection.
    private const int LongAnswer = 2000;
    private const string Stream = """{"model":"tiny","messages":[{"role":"user","content":"hi"}],"temperature":0,"max_tokens":2000,"stream":true}""";
    private const string Short = """{"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":4}""";

    [Fact]
    public async Task AClientThatDisconnectsMidStreamFreesItsRowAndItsSlot()
    {
        using var server = new ServeProcess("--model tiny --max-concurrent-requests 1");
        using var http = new HttpClient();
        var chat = new Uri(server.Url, "/v1/chat/completions");

        IReadOnlyDictionary<string, long> during;
        using (var stream = await DroppedStream.OpenAsync(server.Url, Stream))
        {
            Assert.Equal(200, stream.Status);
            during = await server.MetricsAsync(http);
            using var refused = await http.PostAsync(chat, new StringContent(Short, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        var after = await server.IdleMetricsAsync(http);
        using var next = await http.PostAsync(chat, new StringContent(Short, Encoding.UTF8, "application/json"));

        Assert.Equal(1, during["agentflow_requests_running"]);
        Assert.Equal(1, during["agentflow_decode_rows"]);
        Assert.Equal(1, after["agentflow_cancelled_rows_total"]);
        Assert.Equal(1, after["agentflow_requests_total{outcome=\"disconnected\"}"]);
        Assert.True(after["agentflow_generation_tokens_total"] < LongAnswer, $"the row decoded {after["agentflow_generation_tokens_total"]} tokens, its whole answer");
        Assert.True(next.StatusCode == HttpStatusCode.OK, await next.Content.ReadAsStringAsync());
    }
}
