using System.Diagnostics;
using System.Globalization;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>Reads a serve process's or an in-process server's <c>GET /metrics</c>.</summary>
internal sealed class MetricsReader(Uri server)
{
    /// <summary>Each sample by its name with labels (<c>agentflow_requests_total{outcome="ok"}</c>).</summary>
    internal async Task<IReadOnlyDictionary<string, long>> ReadAsync(HttpClient http)
    {
        string text = await http.GetStringAsync(new Uri(server, "/metrics"));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(' '))
            .ToDictionary(sample => sample[0], sample => long.Parse(sample[1], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The metrics once <paramref name="settled"/> holds of them: what the server settles to after an event it handles
    /// on its own time (a client going away). Polled; the minute is only a bound on failure.
    /// </summary>
    internal async Task<IReadOnlyDictionary<string, long>> UntilAsync(HttpClient http, Func<IReadOnlyDictionary<string, long>, bool> settled)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var metrics = await ReadAsync(http);
            if (settled(metrics))
                return metrics;
            if (deadline.Elapsed > TimeSpan.FromMinutes(1))
                throw new InvalidOperationException($"the server had not settled a minute later: {string.Join(", ", metrics.Select(m => $"{m.Key} {m.Value}"))}");
            await Task.Delay(20);
        }
    }
}
