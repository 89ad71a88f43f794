using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// Concurrent clients against one <c>agentflow serve</c> for a fixed time, each sending one request after another: a
/// mix of plain and streamed chat completions and text completions with small <c>max_tokens</c>, every 16th stream
/// dropped after its first chunk. A 429 is answered as OpenAI's clients do, by waiting its <c>Retry-After</c>. Every
/// 200 is checked for shape; anything else (other statuses, a 429 without Retry-After, malformed bodies, exceptions)
/// is recorded as a failure, never thrown, so one bad answer does not stop the load.
/// </summary>
internal sealed class ServeLoad(ServeProcess server, HttpClient http, int maxTokens)
{
    internal const string Chat = "chat", Stream = "chat stream", Completions = "completions";

    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _latencies = new();
    private readonly ConcurrentBag<double> _firstChunks = new();
    private readonly Lock _longest = new();
    private long _sent, _rejected, _dropped;

    /// <summary>Requests sent, 429s and dropped streams included.</summary>
    internal long Sent => Interlocked.Read(ref _sent);

    internal long Rejected => Interlocked.Read(ref _rejected);

    internal long Dropped => Interlocked.Read(ref _dropped);

    internal IReadOnlyCollection<string> Failures => _failures;

    /// <summary>Seconds from sending to the end of each 200 answer, by kind.</summary>
    internal IReadOnlyDictionary<string, ConcurrentBag<double>> Latencies => _latencies;

    /// <summary>Seconds from sending a streamed request to its first text chunk.</summary>
    internal IReadOnlyCollection<double> FirstChunks => _firstChunks;

    /// <summary>The longest any request took, refusals and dropped streams included, and when it started.</summary>
    internal (double Seconds, int Request, TimeSpan Started) Longest { get; private set; }

    internal long Answered => _latencies.Values.Sum(l => (long)l.Count);

    /// <summary>Runs <paramref name="clients"/> clients until <paramref name="duration"/> is up (none starts a request after it) or each has sent <paramref name="maxRequestsPerClient"/>.</summary>
    internal Task RunAsync(int clients, TimeSpan duration, int maxRequestsPerClient, int seedBase)
    {
        var clock = Stopwatch.StartNew();
        return Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (int i = 0; i < maxRequestsPerClient && clock.Elapsed < duration; i++)
            {
                int n = seedBase + client * maxRequestsPerClient + i;
                var started = clock.Elapsed;
                try
                {
                    var retryAfter = await OneAsync(n);
                    Slowest((clock.Elapsed - started).TotalSeconds, n, started);
                    if (retryAfter is { } wait)
                        await Task.Delay(wait);
                }
                catch (Exception e)
                {
                    _failures.Enqueue($"request {n}: {e.GetType().Name}: {e.Message}");
                }
            }
        })));
    }

    private void Slowest(double seconds, int n, TimeSpan started)
    {
        lock (_longest)
        {
            if (seconds > Longest.Seconds)
                Longest = (seconds, n, started);
        }
    }

    /// <summary>Sends request <paramref name="n"/>; returns how long to wait when it was refused with 429.</summary>
    private async Task<TimeSpan?> OneAsync(int n)
    {
        Interlocked.Increment(ref _sent);
        int tokens = 1 + n % maxTokens;
        string question = $"question {n}: name a fruit.";
        int kind = n % 3;
        if (kind == 1 && n / 3 % 16 == 0)
            return await DropAsync(question, tokens);
        string path = kind == 2 ? "/v1/completions" : "/v1/chat/completions";
        string body = kind switch
        {
            0 => JsonSerializer.Serialize(new { model = "tiny", messages = new[] { new { role = "user", content = question } }, max_tokens = tokens, temperature = 1, seed = n, return_token_ids = true }),
            1 => JsonSerializer.Serialize(new { model = "tiny", messages = new[] { new { role = "user", content = question } }, max_tokens = tokens, temperature = 1, seed = n, stream = true, stream_options = new { include_usage = true } }),
            _ => JsonSerializer.Serialize(new { model = "tiny", prompt = question, max_tokens = tokens, temperature = 1, seed = n }),
        };
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Url, path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
            return await RefusedAsync(n, response);
        string? problem;
        string text;
        if (kind == 1 && response.StatusCode == HttpStatusCode.OK)
        {
            (text, double firstChunk) = await ReadStreamAsync(response, clock);
            _firstChunks.Add(firstChunk);
        }
        else
        {
            text = await response.Content.ReadAsStringAsync();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        if (response.StatusCode != HttpStatusCode.OK)
            problem = $"status {(int)response.StatusCode}: {text}";
        else
            problem = kind switch { 0 => CheckChat(text, response, tokens), 1 => CheckStream(text, response, tokens), _ => CheckCompletion(text, response, tokens) };
        if (problem is not null)
        {
            _failures.Enqueue($"request {n} ({path}): {problem}");
            return null;
        }
        _latencies.GetOrAdd(kind switch { 0 => Chat, 1 => Stream, _ => Completions }, _ => []).Add(seconds);
        return null;
    }

    private async Task<TimeSpan?> DropAsync(string question, int tokens)
    {
        string body = JsonSerializer.Serialize(new { model = "tiny", messages = new[] { new { role = "user", content = question } }, max_tokens = tokens, temperature = 1, stream = true });
        using var stream = await DroppedStream.OpenAsync(server.Url, body);
        if (stream.Status == 429)
        {
            Interlocked.Increment(ref _rejected);
            if (!stream.Head.Contains("\r\nRetry-After: ", StringComparison.OrdinalIgnoreCase))
                _failures.Enqueue($"a 429 without Retry-After: {stream.Head}");
            return TimeSpan.FromSeconds(1);
        }
        if (stream.Status != 200)
            _failures.Enqueue($"a dropped stream was answered {stream.Head}");
        else
            Interlocked.Increment(ref _dropped);
        return null;
    }

    private async Task<TimeSpan?> RefusedAsync(int n, HttpResponseMessage response)
    {
        Interlocked.Increment(ref _rejected);
        string text = await response.Content.ReadAsStringAsync();
        using var error = JsonDocument.Parse(text);
        if (error.RootElement.GetProperty("error").GetProperty("type").GetString() != "rate_limit_error")
            _failures.Enqueue($"request {n}: a 429 that is not a rate_limit_error: {text}");
        if (response.Headers.RetryAfter?.Delta is not { } wait)
        {
            _failures.Enqueue($"request {n}: a 429 without Retry-After: {text}");
            return TimeSpan.FromSeconds(1);
        }
        return wait;
    }

    private static async Task<(string Text, double FirstChunk)> ReadStreamAsync(HttpResponseMessage response, Stopwatch clock)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var text = new StringBuilder();
        double firstChunk = double.NaN;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (double.IsNaN(firstChunk) && line.Contains("\"content\":", StringComparison.Ordinal))
                firstChunk = clock.Elapsed.TotalSeconds;
            text.Append(line).Append('\n');
        }
        return (text.ToString(), firstChunk);
    }

    private static string? CheckChat(string text, HttpResponseMessage response, int maxTokens)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/json")
            return $"content type {response.Content.Headers.ContentType}";
        using var body = JsonDocument.Parse(text);
        var root = body.RootElement;
        if (root.GetProperty("object").GetString() != "chat.completion" || !root.GetProperty("id").GetString()!.StartsWith("chatcmpl-", StringComparison.Ordinal) || root.GetProperty("model").GetString() != "tiny")
            return $"not a chat completion: {text}";
        var choice = root.GetProperty("choices").EnumerateArray().Single();
        var message = choice.GetProperty("message");
        if (message.GetProperty("role").GetString() != "assistant" || message.GetProperty("content").ValueKind != JsonValueKind.String)
            return $"no assistant message: {text}";
        int completion = root.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        if (choice.GetProperty("token_ids").GetArrayLength() != completion)
            return $"token_ids and usage disagree: {text}";
        return CheckUsage(root, choice.GetProperty("finish_reason").GetString(), maxTokens, text);
    }

    /// <summary>
    /// Events <c>data: {...}</c> ending with <c>data: [DONE]</c>: one id throughout, the role first, text deltas, one
    /// chunk with the finish reason, then the usage chunk with no choices.
    /// </summary>
    private static string? CheckStream(string text, HttpResponseMessage response, int maxTokens)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            return $"content type {response.Content.Headers.ContentType}";
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        if (events.Length < 4 || events.Any(e => !e.StartsWith("data: ", StringComparison.Ordinal)) || events[^1] != "data: [DONE]")
            return $"not an event stream ending in [DONE]: {text}";
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..])).ToList();
        try
        {
            string? id = chunks[0].RootElement.GetProperty("id").GetString();
            if (chunks.Any(c => c.RootElement.GetProperty("object").GetString() != "chat.completion.chunk" || c.RootElement.GetProperty("id").GetString() != id))
                return $"chunks of another kind or id: {text}";
            if (chunks[0].RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString() != "assistant")
                return $"the first chunk names no role: {text}";
            var choices = chunks[..^1].Select(c => c.RootElement.GetProperty("choices").EnumerateArray().Single()).ToList();
            var finishes = choices.Where(c => c.GetProperty("finish_reason").ValueKind != JsonValueKind.Null).ToList();
            if (finishes.Count != 1 || choices[^1].GetProperty("finish_reason").ValueKind == JsonValueKind.Null)
                return $"not exactly one finish reason, in the last choice: {text}";
            var usage = chunks[^1].RootElement;
            if (usage.GetProperty("choices").GetArrayLength() != 0)
                return $"the usage chunk carries choices: {text}";
            return CheckUsage(usage, finishes[0].GetProperty("finish_reason").GetString(), maxTokens, text);
        }
        finally
        {
            foreach (var chunk in chunks)
                chunk.Dispose();
        }
    }

    private static string? CheckCompletion(string text, HttpResponseMessage response, int maxTokens)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/json")
            return $"content type {response.Content.Headers.ContentType}";
        using var body = JsonDocument.Parse(text);
        var root = body.RootElement;
        if (root.GetProperty("object").GetString() != "text_completion" || !root.GetProperty("id").GetString()!.StartsWith("cmpl-", StringComparison.Ordinal))
            return $"not a text completion: {text}";
        var choice = root.GetProperty("choices").EnumerateArray().Single();
        if (choice.GetProperty("text").ValueKind != JsonValueKind.String)
            return $"no text: {text}";
        return CheckUsage(root, choice.GetProperty("finish_reason").GetString(), maxTokens, text);
    }

    /// <summary>A finish reason of <c>stop</c> or <c>length</c> that agrees with the token counts.</summary>
    private static string? CheckUsage(JsonElement root, string? finish, int maxTokens, string text)
    {
        var usage = root.GetProperty("usage");
        int prompt = usage.GetProperty("prompt_tokens").GetInt32(), completion = usage.GetProperty("completion_tokens").GetInt32();
        bool consistent = prompt > 0 && usage.GetProperty("total_tokens").GetInt32() == prompt + completion
            && (finish == "length" ? completion == maxTokens : finish == "stop" && completion > 0 && completion <= maxTokens);
        return consistent ? null : $"finish_reason {finish} and usage disagree with max_tokens {maxTokens}: {text}";
    }
}
