using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Backends;
using AgentFlow.MLNet.Tools;
using Microsoft.Extensions.AI;
using Reply = AgentFlow.MLNet.Tests.Agent.Backends.ScriptedHttpServer.Reply;

namespace AgentFlow.MLNet.Tests.Agent.Backends;

/// <summary>
/// A module on an OpenAI-compatible endpoint, against servers that answer, fail, stall or talk nonsense in one precise
/// way each: the retries happen where they should (counted by the server), and every failure is a
/// <see cref="ChatEndpointException"/> saying what went wrong, which the agent records instead of crashing.
/// </summary>
public sealed class ChatEndpointTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    private static ChatEndpointOptions Options(Uri endpoint, int retries = 2) => new()
    {
        Endpoint = endpoint,
        Model = "served-model",
        Timeout = TimeSpan.FromSeconds(10),
        MaxRetries = retries,
        RetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(5),
    };

    [Fact]
    public async Task TransientStatusesAreRetriedUntilTheEndpointAnswers()
    {
        using var server = new ScriptedHttpServer(n => n switch
        {
            0 => new Reply(503, """{"error":{"message":"warming up"}}"""),
            1 => new Reply(429, """{"error":{"message":"slow down"}}""", Headers: new Dictionary<string, string> { ["Retry-After"] = "0" }),
            _ => new Reply(200, ScriptedHttpServer.Completion("hi there")),
        });
        using var client = ChatEndpoints.Create(Options(server.Endpoint));

        var response = await client.GetResponseAsync(Hello);

        Assert.Equal("hi there", response.Text);
        Assert.Equal(3, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal("/v1/chat/completions", r.Path));
        Assert.Contains("\"model\":\"served-model\"", server.Requests[0].Body);
    }

    [Fact]
    public async Task APersistent500IsOneErrorNamingTheEndpointTheStatusAndTheAttempts()
    {
        using var server = new ScriptedHttpServer(_ => new Reply(500, """{"error":{"message":"CUDA out of memory"}}"""));
        using var client = ChatEndpoints.Create(Options(server.Endpoint, retries: 2));

        var error = await Assert.ThrowsAsync<ChatEndpointException>(() => client.GetResponseAsync(Hello));

        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(3, error.Attempts);
        Assert.Equal(500, error.Status);
        Assert.StartsWith($"the endpoint {server.Endpoint} (model served-model) answered HTTP 500 after 3 attempts: ", error.Message);
        Assert.Contains("CUDA out of memory", error.Message);
    }

    [Fact]
    public async Task AClientErrorIsNotRetried()
    {
        using var server = new ScriptedHttpServer(_ => new Reply(404, """{"error":{"message":"model 'served-model' not found"}}"""));
        using var client = ChatEndpoints.Create(Options(server.Endpoint, retries: 3));

        var error = await Assert.ThrowsAsync<ChatEndpointException>(() => client.GetResponseAsync(Hello));

        Assert.Single(server.Requests);
        Assert.Equal(404, error.Status);
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public async Task AnEndpointThatIsDownIsUnreachableAfterEveryRetry()
    {
        var endpoint = new Uri($"http://127.0.0.1:{ScriptedHttpServer.FreePort()}/v1");
        using var client = ChatEndpoints.Create(Options(endpoint, retries: 1));

        var error = await Assert.ThrowsAsync<ChatEndpointException>(() => client.GetResponseAsync(Hello));

        Assert.Equal(2, error.Attempts);
        Assert.Null(error.Status);
        Assert.StartsWith($"the endpoint {endpoint} (model served-model) is unreachable after 2 attempts: ", error.Message);
    }

    [Fact]
    public async Task ASlowEndpointTimesOutPerAttempt()
    {
        using var server = new ScriptedHttpServer(_ => new Reply(200, ScriptedHttpServer.Completion("late"), Delay: TimeSpan.FromSeconds(30)));
        using var client = ChatEndpoints.Create(Options(server.Endpoint, retries: 1) with { Timeout = TimeSpan.FromMilliseconds(300) });

        var error = await Assert.ThrowsAsync<ChatEndpointException>(() => client.GetResponseAsync(Hello));

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal($"the endpoint {server.Endpoint} (model served-model) did not answer within 0.3 s (2 attempts)", error.Message);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"id":"c1","object":"chat.completion","choices":"nope"}""")]
    public async Task AMalformedAnswerIsNamedAsSuchAndNotRetried(string body)
    {
        using var server = new ScriptedHttpServer(_ => new Reply(200, body));
        using var client = ChatEndpoints.Create(Options(server.Endpoint));

        var error = await Assert.ThrowsAsync<ChatEndpointException>(() => client.GetResponseAsync(Hello));

        Assert.Single(server.Requests);
        Assert.StartsWith($"the endpoint {server.Endpoint} (model served-model) answered something that is not an OpenAI chat completion: ", error.Message);
    }

    [Fact]
    public async Task TheApiKeyComesFromTheNamedVariable()
    {
        string variable = $"AGENTFLOW_TEST_KEY_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "s3cret");
        try
        {
            using var server = new ScriptedHttpServer(_ => new Reply(200, ScriptedHttpServer.Completion("ok")));
            using var client = ChatEndpoints.Create(Options(server.Endpoint) with { ApiKeyEnvironmentVariable = variable });

            await client.GetResponseAsync(Hello);

            Assert.Equal("Bearer s3cret", server.Requests.Single().Authorization);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void AnUnsetKeyVariableIsAnErrorNamingIt()
    {
        var options = Options(new Uri("http://127.0.0.1:1/v1")) with { ApiKeyEnvironmentVariable = "AGENTFLOW_TEST_KEY_NEVER_SET" };

        var error = Assert.Throws<InvalidOperationException>(() => ChatEndpoints.Create(options));

        Assert.Contains("AGENTFLOW_TEST_KEY_NEVER_SET is not set", error.Message);
    }

    [Theory]
    [InlineData("ftp://host/v1", "Endpoint")]
    [InlineData("http://127.0.0.1:1/v1", "Model")]
    public void BadOptionsAreNamed(string endpoint, string option)
    {
        var options = Options(new Uri(endpoint)) with { Model = option == "Model" ? " " : "m" };

        var error = Assert.Throws<ArgumentException>(() => ChatEndpoints.Create(options));

        Assert.Equal(option, error.ParamName);
    }

    [Fact]
    public async Task AFrozenModuleOnAFailingEndpointIsARecordedModuleFailureNotACrash()
    {
        using var server = new ScriptedHttpServer(_ => new Reply(500, """{"error":{"message":"backend crashed"}}"""));
        var planner = new ScriptedModule("Justification: j\nContext: c\nSub-Goal: s\nTool Name: echo");
        var local = new ScriptedModule("unused");
        using var clients = ModuleClients.Create(new ModuleBackendOptions { Frozen = Options(server.Endpoint, retries: 0) }, planner, local);
        var agent = new AgentFlowAgent(clients.Modules, new ToolRegistry([ScriptedTool.Answering("echo", "echoed")]));

        var trajectory = await agent.SolveAsync("What is 2 + 2?");

        Assert.True(trajectory.IsInfrastructureFailure);
        Assert.StartsWith($"query_analysis call failed: the endpoint {server.Endpoint} (model served-model) answered HTTP 500 after 1 attempt", trajectory.Failure);
        Assert.Empty(local.Prompts);
        Assert.Empty(planner.Prompts);   // the run ended at the failed analysis, before any planner turn
    }

    [Fact]
    public void ModulesNamingTheSameEndpointShareOneClientAndOverridesWin()
    {
        var frozen = Options(new Uri("http://127.0.0.1:1/v1"));
        var judge = frozen with { Model = "judge-model" };
        var local = new ScriptedModule("local");
        using var clients = ModuleClients.Create(new ModuleBackendOptions
        {
            Frozen = frozen,
            Overrides = new Dictionary<FrozenModule, ChatEndpointOptions> { [FrozenModule.Judge] = judge, [FrozenModule.Generator] = frozen with { } },
        }, local, local);

        Assert.Same(clients.Modules.Executor, clients.Modules.Verifier);
        Assert.Same(clients.Modules.Executor, clients.Modules.QueryAnalyzer);
        Assert.Same(clients.Modules.Executor, clients.Modules.Generator);   // an equal endpoint is the same endpoint
        Assert.NotSame(clients.Modules.Executor, clients.Judge);
        Assert.Equal("judge-model", clients.Judge.GetService<ChatClientMetadata>()?.DefaultModelId);
        Assert.Same(local, clients.Modules.Planner);
    }
}
