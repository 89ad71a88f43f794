using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// A running <c>agentflow serve</c> process on a free loopback port (it prints the URL it bound); killed on dispose.
/// </summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _error = new();

    /// <summary>Starts the server with <paramref name="environment"/> set and the variables named in <paramref name="unset"/> removed.</summary>
    internal ServeProcess(string arguments, IReadOnlyDictionary<string, string>? environment = null, IEnumerable<string>? unset = null)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "agentflow.dll")}\" serve --port 0 {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        foreach (string name in unset ?? [])
            start.Environment.Remove(name);
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_error)
                _error.AppendLine(e.Data);
        };
        _process.BeginErrorReadLine();
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result is not { } listening || !listening.StartsWith("listening on ", StringComparison.Ordinal))
        {
            Dispose();
            throw new InvalidOperationException($"agentflow serve did not start: {Error}");
        }
        Url = new Uri(listening["listening on ".Length..]);
    }

    /// <summary>The server's root, <c>http://127.0.0.1:PORT</c>.</summary>
    internal Uri Url { get; }

    /// <summary>The base URL OpenAI clients take.</summary>
    internal Uri Endpoint => new(Url, "/v1");

    /// <summary>The server's resident memory now: VmRSS from <c>/proc/PID/status</c>, in bytes (Linux only).</summary>
    internal long ResidentBytes()
    {
        // `dotnet agentflow.dll` runs the program in the dotnet process itself, so its id is the server's.
        string path = $"/proc/{_process.Id}/status";
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"{path} has no VmRSS line");
    }

    /// <summary><c>GET /metrics</c>, each sample by its name with labels (<c>agentflow_requests_total{outcome="ok"}</c>).</summary>
    internal Task<IReadOnlyDictionary<string, long>> MetricsAsync(HttpClient http) => new MetricsReader(Url).ReadAsync(http);

    /// <summary>
    /// The metrics once no generation request holds a slot and no row is decoding: what the server settles to after
    /// its clients stop or go away. Polled; the minute is only a bound on failure.
    /// </summary>
    internal Task<IReadOnlyDictionary<string, long>> IdleMetricsAsync(HttpClient http) =>
        new MetricsReader(Url).UntilAsync(http, m => m["agentflow_requests_running"] == 0 && m["agentflow_decode_rows"] == 0);

    /// <summary>
    /// Standard error up to and including the first line that starts with <paramref name="prefix"/>: it is read as it
    /// comes, so this waits for that line (and so for every line the server wrote before it). The minute only bounds failure.
    /// </summary>
    internal async Task<string> ErrorThroughAsync(string prefix)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            string error = Error;
            int at = error.StartsWith(prefix, StringComparison.Ordinal) ? 0 : error.IndexOf("\n" + prefix, StringComparison.Ordinal) is var i and >= 0 ? i + 1 : -1;
            if (at >= 0)
                return error[..(error.IndexOf('\n', at) is var end and >= 0 ? end + 1 : error.Length)];
            if (deadline.Elapsed > TimeSpan.FromMinutes(1))
                throw new InvalidOperationException($"the server wrote no line starting '{prefix}' in a minute: {error}");
            await Task.Delay(20);
        }
    }

    internal string Error
    {
        get
        {
            lock (_error)
                return _error.ToString();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
