using System.Diagnostics;
using System.Text.Json;
using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Tests.Tools;

public class ToolRegistryTests
{
    private static readonly JsonElement NoArguments = JsonSerializer.SerializeToElement(new { });

    [Theory]
    [InlineData("web_search")]
    [InlineData("Web_Search")]
    [InlineData("Web Search")]
    [InlineData("  WEB   search ")]
    public async Task Names_are_matched_ignoring_case_with_spaces_as_underscores(string written)
    {
        var registry = new ToolRegistry([DelegateTool.Echo("calculator"), DelegateTool.Echo("web_search")]);

        var result = await registry.InvokeAsync(written, """{"query": "x"}""");

        Assert.True(result.Succeeded);
        Assert.Equal("""{"query": "x"}""", result.Output);
        Assert.True(registry.TryGet(written, out var tool));
        Assert.Equal("web_search", tool.Card.Name);
    }

    [Fact]
    public async Task An_unknown_tool_is_a_failed_result_that_lists_the_available_ones()
    {
        var registry = new ToolRegistry([DelegateTool.Echo("calculator"), DelegateTool.Echo("python")]);

        var result = await registry.InvokeAsync("Image_Captioner_Tool", NoArguments);

        Assert.False(result.Succeeded);
        Assert.Equal("unknown tool 'Image_Captioner_Tool'; available: calculator, python", result.Error);
    }

    [Fact]
    public async Task Arguments_that_are_not_json_are_a_failed_result()
    {
        var registry = new ToolRegistry([DelegateTool.Echo("calculator")]);

        var result = await registry.InvokeAsync("calculator", "{expression: 2+2");

        Assert.False(result.Succeeded);
        Assert.StartsWith("the arguments for 'calculator' are not valid JSON", result.Error);
    }

    [Fact]
    public async Task An_exception_from_a_tool_becomes_a_failed_result_with_its_message()
    {
        var asynchronous = new DelegateTool("broken", async (_, _) =>
        {
            await Task.Yield();
            throw new InvalidOperationException("the index is closed", new IOException("disk gone"));
        });
        var synchronous = new DelegateTool("eager", (_, _) => throw new FormatException("bad"));
        var registry = new ToolRegistry([asynchronous, synchronous]);

        var first = await registry.InvokeAsync("broken", NoArguments);
        var second = await registry.InvokeAsync("eager", NoArguments);

        Assert.False(first.Succeeded);
        Assert.Equal("the tool 'broken' failed: InvalidOperationException: the index is closed (IOException: disk gone)", first.Error);
        Assert.Equal("the tool 'eager' failed: FormatException: bad", second.Error);
    }

    [Fact]
    public async Task A_tool_that_honours_its_token_is_cancelled_at_its_timeout()
    {
        var cancelled = new TaskCompletionSource();
        var slow = new DelegateTool("slow", async (_, token) =>
        {
            using var registration = token.Register(cancelled.SetResult);
            await Task.Delay(Timeout.Infinite, token);
            return ToolResult.Success("never");
        });
        var registry = new ToolRegistry([slow], new ToolRegistryOptions { DefaultTimeout = TimeSpan.FromMilliseconds(100) });

        var result = await registry.InvokeAsync("slow", NoArguments);

        Assert.False(result.Succeeded);
        Assert.Equal("the tool 'slow' timed out after 0.1 s", result.Error);
        Assert.True(result.Duration >= TimeSpan.FromMilliseconds(90), $"returned after {result.Duration}");
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_tool_that_blocks_and_ignores_its_token_is_abandoned_at_its_timeout()
    {
        using var release = new ManualResetEventSlim();
        var stubborn = new DelegateTool("stubborn", (_, _) =>
        {
            release.Wait(TimeSpan.FromSeconds(10));
            return ValueTask.FromResult(ToolResult.Success("late"));
        });
        var registry = new ToolRegistry([stubborn], new ToolRegistryOptions { Timeouts = new Dictionary<string, TimeSpan> { ["Stubborn"] = TimeSpan.FromMilliseconds(150) } });
        var clock = Stopwatch.StartNew();

        var result = await registry.InvokeAsync("stubborn", NoArguments);

        Assert.False(result.Succeeded);
        Assert.Contains("timed out after 0.15 s", result.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"waited {clock.Elapsed}");
        release.Set();
    }

    [Fact]
    public void Per_tool_timeouts_override_the_default()
    {
        var registry = new ToolRegistry(
            [DelegateTool.Echo("python"), DelegateTool.Echo("calculator")],
            new ToolRegistryOptions { DefaultTimeout = TimeSpan.FromSeconds(7), Timeouts = new Dictionary<string, TimeSpan> { ["python"] = TimeSpan.FromSeconds(20) } });

        Assert.Equal(TimeSpan.FromSeconds(20), registry.GetTimeout("Python"));
        Assert.Equal(TimeSpan.FromSeconds(7), registry.GetTimeout("calculator"));
    }

    [Fact]
    public async Task The_callers_cancellation_propagates_instead_of_becoming_a_result()
    {
        var slow = new DelegateTool("slow", async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return ToolResult.Success("never");
        });
        var registry = new ToolRegistry([slow]);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await registry.InvokeAsync("slow", NoArguments, cancellation.Token));
    }

    [Fact]
    public async Task Long_output_and_error_are_capped_keeping_head_and_tail()
    {
        string output = "HEAD" + new string('x', 10_000) + "TAIL";
        var chatty = new DelegateTool("chatty", (_, _) => ValueTask.FromResult(ToolResult.Failure(error: new string('e', 5000), output: output)));
        var registry = new ToolRegistry([chatty], new ToolRegistryOptions { MaxOutputCharacters = 1000 });

        var result = await registry.InvokeAsync("chatty", NoArguments);

        Assert.True(result.Truncated);
        Assert.InRange(result.Output.Length, 900, 1000);
        Assert.InRange(result.Error.Length, 900, 1000);
        Assert.StartsWith("HEAD", result.Output);
        Assert.EndsWith("TAIL", result.Output);
        Assert.Contains("characters omitted", result.Output);
    }

    [Fact]
    public async Task Short_output_is_untouched_and_the_duration_is_measured()
    {
        var sleepy = new DelegateTool("sleepy", async (_, token) =>
        {
            await Task.Delay(30, token);
            return ToolResult.Success("done");
        });
        var registry = new ToolRegistry([sleepy]);

        var result = await registry.InvokeAsync("sleepy", NoArguments);

        Assert.Equal("done", result.Output);
        Assert.False(result.Truncated);
        Assert.True(result.Duration >= TimeSpan.FromMilliseconds(25), $"measured {result.Duration}");
    }

    [Fact]
    public void Construction_rejects_clashing_names_unknown_timeout_names_and_bad_limits()
    {
        Assert.Throws<ArgumentException>(() => new ToolRegistry([DelegateTool.Echo("python"), DelegateTool.Echo("python")]));
        Assert.Throws<ArgumentException>(() => new ToolRegistry([DelegateTool.Echo("python")],
            new ToolRegistryOptions { Timeouts = new Dictionary<string, TimeSpan> { ["calculator"] = TimeSpan.FromSeconds(1) } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolRegistry([DelegateTool.Echo("python")], new ToolRegistryOptions { DefaultTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolRegistry([DelegateTool.Echo("python")], new ToolRegistryOptions { MaxOutputCharacters = 10 }));
    }

    [Fact]
    public void The_cards_render_in_registration_order()
    {
        var registry = new ToolRegistry([DelegateTool.Echo("python"), DelegateTool.Echo("calculator")]);

        string cards = registry.RenderCards();

        Assert.True(cards.IndexOf("Tool: python", StringComparison.Ordinal) < cards.IndexOf("Tool: calculator", StringComparison.Ordinal));
        Assert.Equal(["python", "calculator"], registry.Names);
    }
}
