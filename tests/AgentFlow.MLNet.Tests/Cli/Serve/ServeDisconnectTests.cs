using System.Net;
using System.Text;
using AgentFlow.Cli.Serve;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// A client that goes away in the middle of a streamed answer frees its decode row and its slot: the server's
/// <c>/metrics</c> shows the row cancelled before its end, and the one slot serves the next request. The server runs in
/// this process, so the test holds its model host's worker between two decode steps while it looks: nothing depends on
/// how fast the model decodes.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ServeDisconnectTests
{
    // Greedy from this prompt, the tiny model runs to its 2,000th token (finish_reason "length") unless cancelled.
    private const int LongAnswer = 2000;
    private const string Stream = """{"model":"tiny","messages":[{"role":"user","content":"hi"}],"temperature":0,"max_tokens":2000,"stream":true}""";
    private const string Short = """{"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":4}""";

    [Fact]
    public async Task AClientThatDisconnectsMidStreamFreesItsRowAndItsSlot()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        using var model = TinyModel.Create(new TinyModelOptions { Seed = 1 });   // what --model tiny loads
        await using var server = await InProcessServer.StartAsync(model, new ServeOptions { ModelName = "tiny", MaxConcurrentRequests = 1, MaxTokensLimit = LongAnswer });
        using var http = new HttpClient();
        var chat = new Uri(server.Url, "/v1/chat/completions");
        var metrics = new MetricsReader(server.Url);
        using var release = new ManualResetEventSlim();
        var held = new TaskCompletionSource<ModelHostStatistics>(TaskCreationOptions.RunContinuationsAsynchronously);

        IReadOnlyDictionary<string, long> during;
        Task holding;
        HttpStatusCode refusedStatus;
        bool retryAfter;
        IReadOnlyDictionary<string, long> disconnected;
        try
        {
            using (var stream = await DroppedStream.OpenAsync(server.Url, Stream))
            {
                Assert.Equal(200, stream.Status);
                // Read work runs between decode steps: this holds the worker, and with it the streaming row, where it is.
                holding = server.Host.RunAsync(_ =>
                {
                    held.SetResult(server.Host.Statistics);
                    release.Wait();
                    return 0;
                });
                var atHold = await held.Task;
                Assert.True(atHold.Decoding == 1, $"the streamed row had ended before the worker was held ({atHold.GeneratedTokens} tokens)");
                during = await metrics.ReadAsync(http);
                using var refused = await http.PostAsync(chat, new StringContent(Short, Encoding.UTF8, "application/json"));
                refusedStatus = refused.StatusCode;
                retryAfter = refused.Headers.RetryAfter is not null;
            }
            // The server sees the connection close and cancels the request while the worker is still held, so the row
            // cannot decode past its next token.
            disconnected = await metrics.UntilAsync(http, m => m["agentflow_requests_total{outcome=\"disconnected\"}"] == 1 && m["agentflow_requests_running"] == 0);
        }
        finally
        {
            // A failed check must not leave the worker held: the server's dispose would wait for it for ever.
            release.Set();
        }
        await holding;
        var after = await metrics.UntilAsync(http, m => m["agentflow_requests_running"] == 0 && m["agentflow_decode_rows"] == 0);
        using var next = await http.PostAsync(chat, new StringContent(Short, Encoding.UTF8, "application/json"));

        Assert.Equal(1, during["agentflow_requests_running"]);
        Assert.Equal(1, during["agentflow_decode_rows"]);
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedStatus);
        Assert.True(retryAfter);
        Assert.Equal(0, disconnected["agentflow_requests_running"]);
        Assert.Equal(1, after["agentflow_cancelled_rows_total"]);
        Assert.Equal(1, after["agentflow_requests_total{outcome=\"disconnected\"}"]);
        Assert.True(after["agentflow_generation_tokens_total"] < LongAnswer, $"the row decoded {after["agentflow_generation_tokens_total"]} tokens, its whole answer");
        Assert.True(next.StatusCode == HttpStatusCode.OK, await next.Content.ReadAsStringAsync());
    }
}
