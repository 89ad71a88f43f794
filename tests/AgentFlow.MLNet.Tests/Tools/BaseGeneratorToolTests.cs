using System.Text.Json;
using AgentFlow.MLNet.Tests.Rewards;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Generation;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Tools;

public class BaseGeneratorToolTests
{
    private static JsonElement Query(string query) => JsonSerializer.SerializeToElement(new { query });

    [Fact]
    public async Task Sends_the_query_as_the_only_user_message_at_temperature_zero_and_returns_the_answer()
    {
        var client = new ScriptedChatClient("Paris is the capital of France.");

        var result = await new BaseGeneratorTool(client).InvokeAsync(Query("What is the capital of France?"));

        Assert.True(result.Succeeded);
        Assert.Equal("Paris is the capital of France.", result.Output);
        var message = Assert.Single(Assert.Single(client.Requests));
        Assert.Equal(ChatRole.User, message.Role);
        Assert.Equal("What is the capital of France?", message.Text);
        Assert.Equal(0f, client.Options[0]!.Temperature);
    }

    [Fact]
    public async Task Given_options_are_used_and_not_shared_between_calls()
    {
        var options = new ChatOptions { Temperature = 0.5f, MaxOutputTokens = 64 };
        var client = new ScriptedChatClient("one", "two");
        var tool = new BaseGeneratorTool(client, options);

        await tool.InvokeAsync(Query("a"));
        await tool.InvokeAsync(Query("b"));

        Assert.Equal(64, client.Options[0]!.MaxOutputTokens);
        Assert.NotSame(client.Options[0], client.Options[1]);
        Assert.NotSame(options, client.Options[0]);
    }

    [Fact]
    public async Task An_empty_answer_or_a_missing_query_is_a_failed_result()
    {
        var client = new ScriptedChatClient("   ");
        var tool = new BaseGeneratorTool(client);

        var empty = await tool.InvokeAsync(Query("anything"));
        var missing = await tool.InvokeAsync(JsonSerializer.SerializeToElement(new { question = "x" }));

        Assert.Equal("the model returned an empty answer", empty.Error);
        Assert.Contains("no field 'query'", missing.Error);
        Assert.Single(client.Requests);
    }

    [Fact]
    public async Task Through_the_registry_a_client_failure_is_a_failed_result()
    {
        var registry = new ToolRegistry([new BaseGeneratorTool(new ScriptedChatClient())]);

        var result = await registry.InvokeAsync("base_generator", """{"query": "hi"}""");

        Assert.False(result.Succeeded);
        Assert.StartsWith("the tool 'base_generator' failed: InvalidOperationException", result.Error);
    }
}
