using System.Diagnostics;
using System.Net;
using System.Text;
using AgentFlow.MLNet.Tests.Agent.Backends;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// llama.cpp's <c>llama-server</c> serving one GGUF on a free loopback port, ready once its <c>/health</c> answers 200;
/// killed on dispose.
/// </summary>
internal sealed class LlamaServerProcess : IDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    /// <param name="program">The llama-server program.</param>
    /// <param name="gguf">The model file.</param>
    /// <param name="contextLength">The context, the model's own: llama-server would otherwise split it between slots.</param>
    internal LlamaServerProcess(string program, string gguf, int contextLength)
    {
        int port = ScriptedHttpServer.FreePort();
        // One slot, so requests are decoded alone, as the oracle decodes them; F32 keys and values and no flash
        // attention, so the cache holds what our float32 model holds. (llama.cpp's default F16 cache rounds them; these
        // tiny models gave the same tokens with it too, but a near tie between two logits need not.)
        string arguments = $"-m \"{gguf}\" --host 127.0.0.1 --port {port} -c {contextLength} -np 1 -t 2 -ctk f32 -ctv f32 -fa off --no-webui";
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Url = new Uri($"http://127.0.0.1:{port}");
        try
        {
            WaitUntilHealthy();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The server's root, <c>http://127.0.0.1:PORT</c>.</summary>
    internal Uri Url { get; }

    /// <summary>The base URL OpenAI clients take.</summary>
    internal Uri Endpoint => new(Url, "/v1");

    /// <summary>What llama-server printed so far (its log goes to standard error).</summary>
    internal string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
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

    private void Append(string? line)
    {
        lock (_log)
            _log.AppendLine(line);
    }

    // llama-server answers /health with 503 while it loads the model and 200 once it takes requests.
    private void WaitUntilHealthy()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartLimit)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"llama-server exited with code {_process.ExitCode} before it was ready:\n{Log}");
            try
            {
                using var response = http.GetAsync(new Uri(Url, "/health")).GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy loading to answer.
            }
            Thread.Sleep(100);
        }
        throw new InvalidOperationException($"llama-server did not become ready within {StartLimit.TotalSeconds} s:\n{Log}");
    }
}
