using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentFlow.MLNet.Tests.Agent.Backends;

/// <summary>
/// An HTTP server on a loopback port that answers each request from a script: the status, body and headers for the
/// n-th request (0-based), after an optional delay. Records every request's path, body and Authorization header.
/// Stands in for an OpenAI-compatible server that misbehaves in one precise way.
/// </summary>
internal sealed class ScriptedHttpServer : IDisposable
{
    internal sealed record Reply(int Status, string Body, TimeSpan Delay = default, IReadOnlyDictionary<string, string>? Headers = null);

    internal sealed record Received(string Path, string Body, string? Authorization);

    private readonly HttpListener _listener = new();
    private readonly Func<int, Reply> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Received> _requests = [];

    internal ScriptedHttpServer(Func<int, Reply> script)
    {
        _script = script;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    internal int Port { get; }

    /// <summary>The base URL as OpenAI clients take it.</summary>
    internal Uri Endpoint => new($"http://127.0.0.1:{Port}/v1");

    internal IReadOnlyList<Received> Requests
    {
        get
        {
            lock (_requests)
                return [.. _requests];
        }
    }

    /// <summary>A chat completion whose message is <paramref name="text"/>, as OpenAI writes it.</summary>
    internal static string Completion(string text) =>
        $$$"""{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"{{{text}}}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

    /// <summary>A loopback port nothing listens on (taken and released).</summary>
    internal static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        string body = await reader.ReadToEndAsync();
        int index;
        lock (_requests)
        {
            index = _requests.Count;
            _requests.Add(new Received(context.Request.Url!.AbsolutePath, body, context.Request.Headers["Authorization"]));
        }
        var reply = _script(index);
        try
        {
            if (reply.Delay > TimeSpan.Zero)
                await Task.Delay(reply.Delay, _stop.Token);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json";
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
                context.Response.Headers[name] = value;
            byte[] bytes = Encoding.UTF8.GetBytes(reply.Body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            context.Response.Abort();
        }
        catch (HttpListenerException)
        {
            // The client gave up (its timeout) before the answer was written.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }
}
