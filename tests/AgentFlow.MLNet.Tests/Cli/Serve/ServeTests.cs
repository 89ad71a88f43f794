using System.Net;
using System.Text;
using System.Text.Json;
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Backends;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Agent;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Tools;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>One <c>agentflow serve --model tiny</c> process for the tests of a class, and the same model in-process as the oracle.</summary>
public sealed class ServedTinyModel : IDisposable
{
    internal const int MaxTokensLimit = 24;

    public ServedTinyModel()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        Server = new ServeProcess($"--model tiny --max-tokens-limit {MaxTokensLimit}");
        Oracle = TinyModel.Create(new TinyModelOptions { Seed = 1 });   // what --model tiny loads
        Host = new ModelHost(Oracle);
    }

    internal ServeProcess Server { get; }

    internal LocalModel Oracle { get; }

    internal ModelHost Host { get; }

    public void Dispose()
    {
        Server.Dispose();
        Host.Dispose();
        Oracle.Dispose();
    }
}

/// <summary>
/// <c>agentflow serve</c> in its own process, answered by the Microsoft.Extensions.AI OpenAI client and by raw HTTP:
/// every answer must be what the same model gives in-process for the same request (the oracle), down to the token ids.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ServeTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "Name a fruit.")];

    private static ChatOptions Greedy(int tokens = 12, long seed = 7) => new() { Temperature = 0, MaxOutputTokens = tokens, Seed = seed };

    private IChatClient Remote() => ChatEndpoints.Create(new ChatEndpointOptions { Endpoint = served.Server.Endpoint, Model = "tiny", MaxRetries = 0 });

    private async Task<ChatResponse> OracleAsync(IEnumerable<ChatMessage> messages, ChatOptions options)
    {
        using var local = served.Host.AsChatClient();
        return await local.GetResponseAsync(messages, options);
    }

    [Fact]
    public async Task TheOpenAIClientGetsWhatTheModelAnswersInProcess()
    {
        using var remote = Remote();
        var expected = await OracleAsync(Question, Greedy());

        var response = await remote.GetResponseAsync(Question, Greedy());

        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.Usage!.InputTokenCount, response.Usage!.InputTokenCount);
        Assert.Equal(expected.Usage.OutputTokenCount, response.Usage.OutputTokenCount);
        Assert.Equal(expected.FinishReason, response.FinishReason);
    }

    [Fact]
    public async Task TheOpenAIClientStreamsTheSameText()
    {
        using var remote = Remote();
        var expected = await OracleAsync(Question, Greedy(20));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in remote.GetStreamingResponseAsync(Question, Greedy(20)))
            updates.Add(update);

        Assert.True(updates.Count(u => u.Text.Length > 0) > 1, "the text should arrive in several chunks");
        Assert.Equal(expected.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(expected.FinishReason, updates.Last(u => u.FinishReason is not null).FinishReason);
    }

    [Fact]
    public async Task LogprobsCarryTheExactTokenIdsAndLogProbs()
    {
        var expected = (await OracleAsync(Question, Greedy(8))).GetGeneratedSequence()!;

        using var body = await PostAsync("/v1/chat/completions", """{"model":"tiny","messages":[{"role":"user","content":"Name a fruit."}],"temperature":0,"max_tokens":8,"seed":7,"logprobs":true}""");

        var choice = body.RootElement.GetProperty("choices")[0];
        Assert.Equal(expected.PromptIds, Ids(body.RootElement.GetProperty("prompt_token_ids")));
        Assert.Equal(expected.CompletionIds, Ids(choice.GetProperty("token_ids")));
        var logProbs = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().Select(t => t.GetProperty("logprob").GetSingle()).ToList();
        Assert.Equal(expected.LogProbs, logProbs);   // float32 written and read back with round-trip precision
    }

    [Fact]
    public async Task AStreamedAnswerCarriesTheTokenIdsAndLogProbsInItsLastChunk()
    {
        var expected = (await OracleAsync(Question, Greedy(8))).GetGeneratedSequence()!;
        using var http = new HttpClient();
        string request = """{"model":"tiny","messages":[{"role":"user","content":"Name a fruit."}],"temperature":0,"max_tokens":8,"seed":7,"logprobs":true,"stream":true}""";

        using var response = await http.PostAsync(new Uri(served.Server.Url, "/v1/chat/completions"), new StringContent(request, Encoding.UTF8, "application/json"));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        using var last = JsonDocument.Parse(events[^2]);
        var choice = last.RootElement.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(expected.CompletionIds, Ids(choice.GetProperty("token_ids")));
        Assert.Equal(expected.PromptIds, Ids(last.RootElement.GetProperty("prompt_token_ids")));
        Assert.Equal(expected.LogProbs, choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().Select(t => t.GetProperty("logprob").GetSingle()));
    }

    [Fact]
    public async Task ABodyAboveTheLimitIsRefusedWith413BeforeItIsSent()
    {
        // Only the headers are sent: the server must refuse on the announced length, without reading 5 MiB.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(served.Server.Url.Host, served.Server.Url.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: {served.Server.Url.Authority}\r\nContent-Type: application/json\r\nContent-Length: {5 * 1024 * 1024}\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);

        Assert.Equal("HTTP/1.1 413 Payload Too Large", await reader.ReadLineAsync());
    }

    [Fact]
    public async Task CompletionsTakeTokenIdsAndGiveTheGreedyContinuation()
    {
        int[] prompt = [97, 98, 99];
        var expected = await served.Host.GenerateAsync(new GenerationRequest(prompt, new SamplingOptions { MaxNewTokens = 6, StopTokenIds = served.Oracle.StopTokenIds }));

        using var body = await PostAsync("/v1/completions", """{"model":"tiny","prompt":[97,98,99],"max_tokens":6,"temperature":0,"logprobs":0}""");

        var choice = body.RootElement.GetProperty("choices")[0];
        Assert.Equal(expected.CompletionIds, Ids(choice.GetProperty("token_ids")));
        Assert.Equal(served.Oracle.Tokenizer.Decode(expected.CompletionIds, skipSpecialTokens: true), choice.GetProperty("text").GetString());
        Assert.Equal(expected.LogProbs, choice.GetProperty("logprobs").GetProperty("token_logprobs").EnumerateArray().Select(t => t.GetSingle()));
    }

    [Fact]
    public async Task CompletionsEndAtAStopStringAndLeaveItOut()
    {
        var greedy = await served.Host.GenerateAsync(new GenerationRequest(served.Oracle.EncodePrompt("abc"), new SamplingOptions { MaxNewTokens = 8, StopTokenIds = served.Oracle.StopTokenIds }));
        string full = served.Oracle.Tokenizer.Decode(greedy.CompletionIds, skipSpecialTokens: true);
        string stop = full.Substring(2, 2);
        string request = JsonSerializer.Serialize(new { model = "tiny", prompt = "abc", max_tokens = 8, temperature = 0, stop = new[] { stop } });

        using var body = await PostAsync("/v1/completions", request);

        var choice = body.RootElement.GetProperty("choices")[0];
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.True(body.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32() < 8);
    }

    [Fact]
    public async Task ConcurrentSampledRequestsEachGetWhatTheirSeedGivesAlone()
    {
        var options = Enumerable.Range(1, 4).Select(seed => new ChatOptions { Temperature = 1, MaxOutputTokens = 10, Seed = seed }).ToList();
        var expected = new List<string>();
        foreach (var option in options)
            expected.Add((await OracleAsync(Question, option)).Text);
        using var remote = Remote();

        var answers = await Task.WhenAll(options.Select(option => remote.GetResponseAsync(Question, option)));

        Assert.Equal(expected, answers.Select(a => a.Text));
    }

    [Fact]
    public async Task ModelsListsTheServedModel()
    {
        using var http = new HttpClient();
        using var body = JsonDocument.Parse(await http.GetStringAsync(new Uri(served.Server.Url, "/v1/models")));

        var model = Assert.Single(body.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("tiny", model.GetProperty("id").GetString());
        Assert.Equal(served.Oracle.Model.Config.MaxPositionEmbeddings, model.GetProperty("max_model_len").GetInt32());
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":25}""", 400, "max_tokens 25 is above this server's limit of 24")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", 404, "the model 'gpt-4o' is not served here; this server serves 'tiny'")]
    [InlineData("/v1/chat/completions", """{"model":"tiny","messages":[]}""", 400, "'messages' must be a non-empty array")]
    [InlineData("/v1/chat/completions", """{"model":"tiny","messages":[{"role":"user","content":"hi"}],"n":2}""", 400, "'n' must be 1: one choice per request")]
    [InlineData("/v1/chat/completions", "{not json", 400, "the request body is not valid JSON")]
    [InlineData("/v1/completions", """{"model":"tiny","prompt":"abc","max_tokens":4,"logprobs":2}""", 400, "'logprobs' above 0 is not supported")]
    [InlineData("/v1/completions", """{"model":"tiny","prompt":[97,9999]}""", 400, "'prompt' must be a string or a list of token ids below 259")]
    public async Task ABadRequestIsAnOpenAIErrorNamingTheProblem(string path, string request, int status, string message)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(served.Server.Url, path), new StringContent(request, Encoding.UTF8, "application/json"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, (int)response.StatusCode);
        Assert.StartsWith(message, body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task AnAgentsFrozenModulesRunOnTheServer()
    {
        var planner = new ScriptedModule("Justification: j\nContext: c\nSub-Goal: s\nTool Name: echo");
        var endpoint = new ChatEndpointOptions { Endpoint = served.Server.Endpoint, Model = "tiny", MaxRetries = 0 };
        using var unused = new ScriptedModule("the local frozen client must not be called");
        using var clients = ModuleClients.Create(new ModuleBackendOptions { Frozen = endpoint }, planner, unused);
        var agent = new AgentFlowAgent(clients.Modules, new ToolRegistry([ScriptedTool.Answering("echo", "echoed")]), new AgentOptions { MaxTurns = 1 });

        var trajectory = await agent.SolveAsync("What is 2 + 2?");

        Assert.False(trajectory.IsInfrastructureFailure, trajectory.Failure);
        Assert.Empty(unused.Prompts);
        // The server answered with no max_tokens named, so with its limit; the oracle asked the same.
        var frozen = new ChatOptions { Temperature = 0, MaxOutputTokens = ServedTinyModel.MaxTokensLimit };
        Assert.Equal((await OracleAsync([new(ChatRole.User, trajectory.Generator!.Prompt)], frozen)).Text, trajectory.Generator.Output);
        Assert.Equal((await OracleAsync([new(ChatRole.User, trajectory.QueryAnalysis!.Prompt)], frozen)).Text, trajectory.QueryAnalysis.Output);
    }

    private async Task<JsonDocument> PostAsync(string path, string request)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(served.Server.Url, path), new StringContent(request, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text);
    }

    private static List<int> Ids(JsonElement array) => [.. array.EnumerateArray().Select(id => id.GetInt32())];
}

/// <summary><c>agentflow serve --api-key-env VAR</c> refuses requests without the key and answers those with it.</summary>
public sealed class ServeApiKeyTests
{
    [Fact]
    public async Task RequestsNeedTheKeyFromTheNamedVariable()
    {
        using var server = new ServeProcess("--model tiny --max-tokens-limit 4 --api-key-env SERVE_TEST_KEY", new Dictionary<string, string> { ["SERVE_TEST_KEY"] = "k-123" });
        using var http = new HttpClient();
        var models = new Uri(server.Url, "/v1/models");

        using var refused = await http.GetAsync(models);
        using var wrong = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, models) { Headers = { { "Authorization", "Bearer k-12" } } });
        using var longer = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, models) { Headers = { { "Authorization", "Bearer k-1234" } } });
        using var otherScheme = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, models) { Headers = { { "Authorization", "Basic k-123" } } });
        using var accepted = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, models) { Headers = { { "Authorization", "Bearer k-123" } } });
        // Auth schemes are case-insensitive (RFC 7235), so clients that write "bearer" are answered too.
        using var lowerCase = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, models) { Headers = { { "Authorization", "bearer k-123" } } });

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, longer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherScheme.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, lowerCase.StatusCode);
        Assert.Contains("Bearer", await refused.Content.ReadAsStringAsync());
        // A 401 names the scheme it wants (RFC 7235 section 3.1).
        Assert.All(new[] { refused, wrong, otherScheme }, response => Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme));
    }

    [Fact]
    public void AKeyVariableThatIsNotSetIsOneErrorLine()
    {
        var result = AgentflowProcess.Run("serve --model tiny --port 0 --api-key-env SERVE_TEST_KEY_NEVER_SET");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"agentflow: --api-key-env SERVE_TEST_KEY_NEVER_SET: the variable is not set{Environment.NewLine}", result.Error);
    }
}
