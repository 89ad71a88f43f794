using System.Net;
using System.Text;
using System.Text.Json;
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Backends;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Tests.Agent;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Tools;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// llama.cpp's <c>llama-server</c>, a server nobody here wrote, against this project: it loads the GGUF files our writer
/// makes, tokenizes, renders the chat template and decodes greedily exactly as our model does from the same file, and
/// carries the agent's frozen modules.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class LlamaServerPeerTests(LlamaServedTinyModels models) : IClassFixture<LlamaServedTinyModels>
{
    private const string Question = "When was Citibank founded?";

    // Plain ASCII, a word llama.cpp's GPT-2 split cuts differently from a byte split, multi-byte UTF-8, and ChatML's special tokens in raw text.
    private static readonly string[] Prompts = ["Hello", "The capital of France is", "naïve café ✓ 日本", "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"];

    // llama.cpp ends a generation at every token its vocabulary marks end-of-generation, which it decides by the token's
    // text: both <|im_end|> (258, the GGUF's EOS) and <|endoftext|> (256). The oracle is told the same.
    private static readonly int[] LlamaCppStops = [256, 258];

    [LlamaServerFact]
    public async Task LlamaCppTokenizesRawTextAsWeDo()
    {
        foreach (var served in new[] { models.Tiny, models.Llama, models.Qwen2 })
        {
            foreach (string prompt in Prompts)
            {
                using var body = await PostAsync(served, "/tokenize", new { content = prompt, add_special = true, parse_special = true });

                Assert.Equal(served.Oracle.EncodePrompt(prompt), Ids(body.RootElement.GetProperty("tokens")));
            }
        }
    }

    [LlamaServerFact]
    public async Task GreedyCompletionsAreTheTokensOurModelGeneratesFromTheSameFile()
    {
        int compared = 0;
        foreach (var served in new[] { models.Tiny, models.Llama, models.Qwen2 })
        {
            foreach (string prompt in Prompts)
            {
                var ids = served.Oracle.EncodePrompt(prompt);
                var ours = await served.Host.GenerateAsync(new GenerationRequest(ids, new SamplingOptions { MaxNewTokens = 24, StopTokenIds = LlamaCppStops }));
                var expected = ValidUtf8Prefix(ours.CompletionIds);
                if (expected.Count == 0)
                    continue;

                using var body = await PostAsync(served, "/completion", new { prompt = ids, n_predict = expected.Count, temperature = 0, return_tokens = true, cache_prompt = false });

                var theirs = Ids(body.RootElement.GetProperty("tokens"));
                Assert.True(expected.SequenceEqual(theirs),
                    $"{Path.GetFileName(served.Gguf)}, prompt {JsonSerializer.Serialize(prompt)}: ours [{string.Join(", ", expected)}], llama-server [{string.Join(", ", theirs)}]");
                compared += expected.Count;
            }
        }
        Assert.True(compared >= 150, $"only {compared} generated tokens were compared");
    }

    [LlamaServerFact]
    public async Task TheChatTemplateRendersAsOursAndChatAnswersAsOurs()
    {
        var served = models.Tiny;
        var messages = new[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "Name a fruit." } };
        string ours = served.Oracle.ChatTemplate.Render([new ChatTurn(ChatRoles.System, "Be brief."), new ChatTurn(ChatRoles.User, "Name a fruit.")], addGenerationPrompt: true);

        using var rendered = await PostAsync(served, "/apply-template", new { messages });
        using var local = served.Host.AsChatClient(new LocalChatClientOptions { UseAdapters = false });
        var expected = await local.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Name a fruit.")], new ChatOptions { Temperature = 0, MaxOutputTokens = 16 });
        using var remote = ChatEndpoints.Create(new ChatEndpointOptions { Endpoint = served.Server.Endpoint, Model = "tiny", MaxRetries = 0 });
        var answer = await remote.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Name a fruit.")], new ChatOptions { Temperature = 0, MaxOutputTokens = 16 });

        Assert.Equal(ours, rendered.RootElement.GetProperty("prompt").GetString());
        Assert.Equal(expected.Text, answer.Text);
        Assert.Equal(expected.Usage!.InputTokenCount, answer.Usage!.InputTokenCount);
    }

    [LlamaServerFact]
    public void AskWithItsFrozenModulesOnLlamaServerAnswersEveryCallAsTheLocalModelDoes()
    {
        var served = models.Tiny;
        string common = $"ask \"{Question}\" --model \"{served.Gguf}\" --max-turns 2 --max-tokens 32 --seed 5 --json";

        var remote = AgentflowProcess.Run($"{common} --frozen-endpoint {served.Server.Endpoint} --frozen-model tiny --endpoint-retries 0");
        var local = AgentflowProcess.Run(common);

        Assert.True(remote.ExitCode == 0, remote.Error + served.Server.Log);
        Assert.True(local.ExitCode == 0, local.Error);
        var onLlamaServer = Trajectory.FromJson(remote.Output);
        var inProcess = Trajectory.FromJson(local.Output);
        Assert.False(onLlamaServer.IsInfrastructureFailure, onLlamaServer.Failure);
        var calls = FrozenCalls(onLlamaServer);
        Assert.All(calls, call => Assert.Null(call.Error));
        Assert.Equal(FrozenCalls(inProcess).Select(c => (c.Module, c.Prompt, c.Output)), calls.Select(c => (c.Module, c.Prompt, c.Output)));
        Assert.Equal(inProcess.FinalAnswer, onLlamaServer.FinalAnswer);
    }

    /// <summary>
    /// The longest start of a completion whose text is whole UTF-8: llama-server answers HTTP 500 ("Failed to parse input
    /// at pos 0", from common/chat.cpp's parser, which every final answer goes through) when the generated bytes are not
    /// valid UTF-8, and its stream holds them back, so a random model's stray high bytes cannot be compared past there.
    /// The tiny tokenizer's ids 0–255 are the bytes; its special tokens render as nothing.
    /// </summary>
    private static List<int> ValidUtf8Prefix(IReadOnlyList<int> completion)
    {
        for (int length = completion.Count; length > 0; length--)
        {
            byte[] bytes = [.. completion.Take(length).Where(id => id < 256).Select(id => (byte)id)];
            if (System.Text.Unicode.Utf8.IsValid(bytes))
                return [.. completion.Take(length)];
        }
        return [];
    }

    [LlamaServerFact]
    public async Task AnAgentWhosePlannerNamesAToolGetsEveryFrozenModuleFromLlamaServerAsFromTheLocalModel()
    {
        // The tiny model's own planner never names a tool, so a scripted one does: the executor and verifier then run too.
        var served = models.Tiny;
        var options = new AgentOptions { MaxTurns = 2, FrozenChatOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = 32 } };
        async Task<Trajectory> SolveAsync(IChatClient frozen)
        {
            using var planner = new ScriptedModule("Justification: j\nContext: c\nSub-Goal: s\nTool Name: echo");
            var agent = new AgentFlowAgent(AgentModules.WithPlanner(planner, frozen), new ToolRegistry([ScriptedTool.Answering("echo", "echoed")]), options);
            return await agent.SolveAsync(Question, seed: 5);
        }
        using var remote = ChatEndpoints.Create(new ChatEndpointOptions { Endpoint = served.Server.Endpoint, Model = "tiny", MaxRetries = 0 });
        using var local = served.Host.AsChatClient(new LocalChatClientOptions { UseAdapters = false });

        var onLlamaServer = await SolveAsync(remote);
        var inProcess = await SolveAsync(local);

        Assert.False(onLlamaServer.IsInfrastructureFailure, onLlamaServer.Failure);
        var calls = FrozenCalls(onLlamaServer);
        Assert.Equal(["query_analysis", "executor", "verifier", "executor", "verifier", "generator"], calls.Select(c => c.Module));
        Assert.All(calls, call => Assert.Null(call.Error));
        Assert.Equal(FrozenCalls(inProcess).Select(c => (c.Module, c.Prompt, c.Output)), calls.Select(c => (c.Module, c.Prompt, c.Output)));
    }

    private static List<ModuleCall> FrozenCalls(Trajectory trajectory) =>
    [
        .. trajectory.QueryAnalysis is { } analysis ? [analysis] : Array.Empty<ModuleCall>(),
        .. trajectory.Turns.SelectMany(turn => new[] { turn.Executor, turn.Verifier }.OfType<ModuleCall>()),
        .. trajectory.Generator is { } generator ? [generator] : Array.Empty<ModuleCall>(),
    ];

    private static async Task<JsonDocument> PostAsync(LlamaServedGguf served, string path, object request)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(served.Server.Url, path), new StringContent(JsonSerializer.Serialize(request), Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text);
    }

    private static List<int> Ids(JsonElement array) => [.. array.EnumerateArray().Select(id => id.GetInt32())];
}
