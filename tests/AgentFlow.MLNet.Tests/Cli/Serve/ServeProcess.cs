using System.Diagnostics;
using System.Text;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// A running <c>agentflow serve</c> process on a free loopback port (it prints the URL it bound); killed on dispose.
/// </summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _error = new();

    internal ServeProcess(string arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "agentflow.dll")}\" serve --port 0 {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
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
