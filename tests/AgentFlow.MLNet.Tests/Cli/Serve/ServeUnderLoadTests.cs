using System.Diagnostics;
using Xunit.Abstractions;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// 64 clients for a minute against <c>agentflow serve --model tiny</c> on loopback, with fewer slots than clients so
/// some are turned away: every answer is a well-formed 200 or a 429 with Retry-After, dropped streams free their
/// rows, the server counts every request, and its resident memory after the minute is within 10% of what it was
/// after a warm-up. Latency and throughput are printed (perf/README.md), never asserted.
/// </summary>
public sealed class ServeUnderLoadTests(ITestOutputHelper output)
{
    private const int Clients = 64;
    private const int Slots = 48;
    private const int MaxTokens = 16;
    // Bounds the count as the durations bound the time: no client sends more than this in either phase.
    private const int MaxRequestsPerClient = 20_000;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Measured = TimeSpan.FromMinutes(1);

    [Fact]
    [Trait("Category", "Long")]
    public async Task SixtyFourClientsForAMinuteGetWellFormedAnswersOr429sInBoundedMemory()
    {
        using var server = new ServeProcess($"--model tiny --max-concurrent-requests {Slots} --max-tokens-limit {MaxTokens}");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2 * Clients }) { Timeout = TimeSpan.FromMinutes(1) };

        var warmUp = new ServeLoad(server, http, MaxTokens);
        await warmUp.RunAsync(Clients, WarmUp, MaxRequestsPerClient, seedBase: 0);
        var before = await server.IdleMetricsAsync(http);
        long residentBefore = server.ResidentBytes();
        string loadBefore = File.ReadAllText("/proc/loadavg").Trim();

        var load = new ServeLoad(server, http, MaxTokens);
        var clock = Stopwatch.StartNew();
        var running = load.RunAsync(Clients, Measured, MaxRequestsPerClient, seedBase: Clients * MaxRequestsPerClient);
        var residentUnderLoad = new List<long>();
        while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5))) != running)
            residentUnderLoad.Add(server.ResidentBytes());
        await running;
        double seconds = clock.Elapsed.TotalSeconds;
        var after = await server.IdleMetricsAsync(http);
        long residentAfter = server.ResidentBytes();
        string loadAfter = File.ReadAllText("/proc/loadavg").Trim();

        Report(load, seconds, before, after, residentBefore, residentAfter, residentUnderLoad, loadBefore, loadAfter);
        Assert.True(warmUp.Failures.Count == 0, $"{warmUp.Failures.Count} failures in the warm-up, the first: {string.Join("\n", warmUp.Failures.Take(5))}");
        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failures, the first: {string.Join("\n", load.Failures.Take(5))}");
        // How many clients find every slot taken depends on timing, so the 429s are reported, not required; so are the
        // dropped streams (a drop refused with 429 drops nothing). That a dropped stream frees its row is shown without
        // timing by ServeDisconnectTests; here each one only has to be counted once, below.
        Assert.True(load.Answered > 0, $"no request was answered ({load.Rejected} refused, {load.Dropped} dropped)");
        long Delta(string name) => after[name] - before[name];
        // Every request the clients sent is counted once, as an answer, a refusal or a disconnect (a dropped stream the
        // server had already finished counts as ok), and none as invalid or failed.
        Assert.Equal(0, Delta("agentflow_requests_total{outcome=\"invalid\"}"));
        Assert.Equal(0, Delta("agentflow_requests_total{outcome=\"failed\"}"));
        Assert.Equal(load.Rejected, Delta("agentflow_requests_total{outcome=\"rejected\"}"));
        Assert.Equal(load.Answered + load.Dropped, Delta("agentflow_requests_total{outcome=\"ok\"}") + Delta("agentflow_requests_total{outcome=\"disconnected\"}"));
        Assert.True(residentAfter <= residentBefore * 1.10, $"the server's resident memory grew from {residentBefore >> 20} MiB after the warm-up to {residentAfter >> 20} MiB");
    }

    private void Report(ServeLoad load, double seconds, IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after,
        long residentBefore, long residentAfter, List<long> residentUnderLoad, string loadBefore, string loadAfter)
    {
        output.WriteLine($"{Clients} clients, {Slots} slots, max_tokens 1-{MaxTokens}, {seconds:F1} s measured after a {WarmUp.TotalSeconds:F0} s warm-up; load average {loadBefore} before, {loadAfter} after");
        output.WriteLine($"sent {load.Sent}: {load.Answered} answered 200 ({load.Answered / seconds:F1}/s), {load.Rejected} refused 429, {load.Dropped} streams dropped after their first chunk");
        output.WriteLine($"server: {after["agentflow_generation_tokens_total"] - before["agentflow_generation_tokens_total"]} tokens generated ({(after["agentflow_generation_tokens_total"] - before["agentflow_generation_tokens_total"]) / seconds:F0}/s), "
            + $"{after["agentflow_cancelled_rows_total"] - before["agentflow_cancelled_rows_total"]} rows cancelled by a disconnect");
        output.WriteLine("| requests | answered | p50 | p99 |");
        output.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (string kind in new[] { ServeLoad.Chat, ServeLoad.Stream, ServeLoad.Completions })
        {
            if (load.Latencies.TryGetValue(kind, out var latencies))
                Row(kind, [.. latencies]);
        }
        Row("all", [.. load.Latencies.Values.SelectMany(l => l)]);
        Row("stream, first text chunk", [.. load.FirstChunks]);
        output.WriteLine($"longest request: {load.Longest.Seconds:F1} s (request {load.Longest.Request}, started at {load.Longest.Started.TotalSeconds:F1} s)");
        output.WriteLine($"resident memory (VmRSS): {residentBefore / 1048576.0:F0} MiB after the warm-up, {residentAfter / 1048576.0:F0} MiB after the minute ({(residentAfter - residentBefore) * 100.0 / residentBefore:+0.0;-0.0}%), "
            + $"{residentUnderLoad.DefaultIfEmpty().Min() / 1048576.0:F0}-{residentUnderLoad.DefaultIfEmpty().Max() / 1048576.0:F0} MiB under load (every 5 s)");

        void Row(string name, List<double> latencies)
        {
            latencies.Sort();
            output.WriteLine($"| {name} | {latencies.Count} | {Percentile(latencies, 0.50) * 1000:F0} ms | {Percentile(latencies, 0.99) * 1000:F0} ms |");
        }
    }

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
