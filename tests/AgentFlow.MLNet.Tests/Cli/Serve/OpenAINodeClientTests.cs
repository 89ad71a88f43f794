using System.Diagnostics;
using System.Text.Json;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Tests.Smoke;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// Runs only where <c>node</c> is on the PATH and <c>AGENTFLOW_OPENAI_NODE_MODULES</c> names a <c>node_modules</c> folder
/// holding the official <c>openai</c> package (<c>npm install openai</c> in any folder); skipped, saying so, elsewhere.
/// </summary>
public sealed class OpenAINodeFactAttribute : FactAttribute
{
    internal const string Variable = "AGENTFLOW_OPENAI_NODE_MODULES";

    public OpenAINodeFactAttribute() => Skip = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder && Directory.Exists(Path.Combine(folder, "openai"))
        ? null
        : $"{Variable} does not name a node_modules folder with the openai package";
}

/// <summary><c>agentflow serve</c> answered by a client nobody here wrote: OpenAI's own Node library (TestData/OpenAINode/check.cjs).</summary>
[Collection(TorchCollection.Name)]
public sealed class OpenAINodeClientTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    [OpenAINodeFact]
    public async Task TheNodeClientListsChatsStreamsAndCompletesAsTheModelDoesInProcess()
    {
        var start = new ProcessStartInfo("node", $"\"{Path.Combine(AppContext.BaseDirectory, "TestData", "OpenAINode", "check.cjs")}\" {served.Server.Endpoint}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["NODE_PATH"] = Environment.GetEnvironmentVariable(OpenAINodeFactAttribute.Variable) },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, error);
        using var report = JsonDocument.Parse(await output);
        var root = report.RootElement;

        using var local = served.Host.AsChatClient();
        var expected = await local.GetResponseAsync([new ChatMessage(ChatRole.User, "Name a fruit.")], new ChatOptions { Temperature = 0, MaxOutputTokens = 12, Seed = 7 });
        Assert.Equal(["tiny"], root.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(expected.Text, root.GetProperty("chat").GetString());
        Assert.Equal(expected.Text, root.GetProperty("streamed").GetString());
        Assert.Equal(12, root.GetProperty("chatLogProbs").GetArrayLength());
        Assert.Equal(expected.Usage!.InputTokenCount, root.GetProperty("streamUsage").GetProperty("prompt_tokens").GetInt64());
        Assert.Equal("length", root.GetProperty("streamFinish").GetString());
    }
}
