using System.Text;
using AgentFlow.MLNet.Models.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentFlow.Cli.Serve;

/// <summary>
/// What <c>GET /metrics</c> reports, in the Prometheus text format (as vLLM's server does, so the same scraper reads
/// both): slots in use, rows decoding, requests by outcome and the host's token counts. A handful of counters, so
/// they are written by hand rather than through a metrics library.
/// </summary>
internal sealed class ServeMetrics(ModelHost host)
{
    private readonly long[] _outcomes = new long[Enum.GetValues<RequestOutcome>().Length];
    private int _running;

    internal void Started() => Interlocked.Increment(ref _running);

    /// <summary>Counted before the slot is given back, so a reader who sees no request running sees every outcome.</summary>
    internal void Ended(RequestOutcome outcome)
    {
        Count(outcome);
        Interlocked.Decrement(ref _running);
    }

    internal void Count(RequestOutcome outcome) => Interlocked.Increment(ref _outcomes[(int)outcome]);

    internal async Task WriteAsync(HttpContext context)
    {
        var statistics = host.Statistics;
        var text = new StringBuilder();
        Metric(text, "agentflow_requests_running", "gauge", "Generation requests holding one of the --max-concurrent-requests slots.", Volatile.Read(ref _running));
        Metric(text, "agentflow_decode_rows", "gauge", "Rows in the model's decode batch.", statistics.Decoding);
        Header(text, "agentflow_requests_total", "counter", "Generation requests by how they ended: ok (200), rejected (429), invalid (other 4xx), disconnected (the client went away), failed.");
        foreach (var outcome in Enum.GetValues<RequestOutcome>())
            text.Append("agentflow_requests_total{outcome=\"").Append(outcome.ToString().ToLowerInvariant()).Append("\"} ").Append(Interlocked.Read(ref _outcomes[(int)outcome])).Append('\n');
        Metric(text, "agentflow_cancelled_rows_total", "counter", "Generations ended by cancellation (their client went away) instead of running to their end.", statistics.Cancelled);
        Metric(text, "agentflow_prompt_tokens_total", "counter", "Prompt tokens prefilled (a prompt shared by rows admitted together counts once).", statistics.PrefillTokens);
        Metric(text, "agentflow_generation_tokens_total", "counter", "Tokens sampled.", statistics.GeneratedTokens);
        Metric(text, "process_resident_memory_bytes", "gauge", "Resident memory of this process.", Environment.WorkingSet);
        Metric(text, "dotnet_gc_heap_bytes", "gauge", "Bytes the .NET garbage collector holds, garbage not yet collected included.", GC.GetTotalMemory(forceFullCollection: false));
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await context.Response.WriteAsync(text.ToString()).ConfigureAwait(false);
    }

    private static void Metric(StringBuilder text, string name, string type, string help, long value)
    {
        Header(text, name, type, help);
        text.Append(name).Append(' ').Append(value).Append('\n');
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
}
