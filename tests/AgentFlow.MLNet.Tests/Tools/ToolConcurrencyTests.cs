using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Tests.Tools;

public sealed class ToolConcurrencyTests
{
    [Fact]
    public async Task NoMoreCallsOfAToolRunAtOnceThanItsLimit()
    {
        int running = 0, most = 0;
        var gate = new SemaphoreSlim(0);
        var tool = new DelegateTool("python", async (_, ct) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await gate.WaitAsync(ct);
            Interlocked.Decrement(ref running);
            return ToolResult.Success("ok");
        });
        var registry = new ToolRegistry([tool], new ToolRegistryOptions { MaxConcurrentCalls = new Dictionary<string, int> { ["python"] = 2 } });

        var calls = Enumerable.Range(0, 6).Select(_ => registry.InvokeAsync("python", "{}").AsTask()).ToList();
        while (Volatile.Read(ref running) < 2)
            await Task.Yield();
        gate.Release(6);
        var results = await Task.WhenAll(calls);

        Assert.Equal(2, most);
        Assert.All(results, r => Assert.True(r.Succeeded));
    }

    [Fact]
    public async Task AWaitingCallCanBeCancelled()
    {
        var gate = new TaskCompletionSource();
        var tool = new DelegateTool("slow", async (_, _) =>
        {
            await gate.Task;
            return ToolResult.Success("done");
        });
        var registry = new ToolRegistry([tool], new ToolRegistryOptions { DefaultMaxConcurrentCalls = 1 });
        var first = registry.InvokeAsync("slow", "{}").AsTask();
        using var cancel = new CancellationTokenSource();

        var waiting = registry.InvokeAsync("slow", "{}", cancel.Token).AsTask();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        gate.SetResult();
        Assert.True((await first).Succeeded);
    }

    [Fact]
    public void LimitsAreValidatedByName()
    {
        var tool = DelegateTool.Echo("echo");

        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolRegistry([tool], new ToolRegistryOptions { DefaultMaxConcurrentCalls = 0 }));
        var unknown = Assert.Throws<ArgumentException>(() => new ToolRegistry([tool], new ToolRegistryOptions { MaxConcurrentCalls = new Dictionary<string, int> { ["nope"] = 1 } }));
        Assert.Contains("nope", unknown.Message);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
