using AgentFlow.MLNet.Agent.Memory;

namespace AgentFlow.MLNet.Tests.Agent;

public sealed class MemoryTests
{
    private static int Words(string text) => text.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Length;

    private static AgentMemory WithSteps(int count, string result)
    {
        var memory = new AgentMemory();
        for (int i = 1; i <= count; i++)
            memory.Append(new MemoryStep("search", $"goal {i}", $"{{\"query\": \"q{i}\"}}", $"{result} {i}", null));
        return memory;
    }

    [Fact]
    public void StepsRenderInOrderWithTheirDetails()
    {
        var memory = WithSteps(2, "found");
        memory.Append(new MemoryStep("python", "compute", "", "", "tool timed out after 10 s"));

        string text = memory.Render(1000, 100, Words);

        Assert.True(text.IndexOf("Action Step 1", StringComparison.Ordinal) < text.IndexOf("Action Step 3", StringComparison.Ordinal));
        Assert.Contains("Result:\n  | found 2", text);
        Assert.Contains("Error:\n  | tool timed out after 10 s", text);
    }

    [Fact]
    public void ALongResultIsCutWithAMarker()
    {
        var memory = WithSteps(1, string.Join(' ', Enumerable.Repeat("word", 500)));

        string text = memory.Render(200, 50, Words);

        Assert.Contains("[truncated", text);
        Assert.True(Words(text) <= 200);
    }

    [Fact]
    public void OldestStepsAreSummarisedThenOmittedButTheBudgetIsNeverExceeded()
    {
        var memory = WithSteps(30, string.Join(' ', Enumerable.Repeat("fact", 40)));

        string summarised = memory.Render(600, 60, Words);
        string tight = memory.Render(70, 60, Words);

        Assert.True(Words(summarised) <= 600);
        Assert.Contains("details elided", summarised);
        Assert.Contains("Action Step 30:\n", summarised);
        Assert.True(Words(tight) <= 70);
        Assert.Contains("omitted", tight);
    }

    [Fact]
    public void AnEmptyMemorySaysSo() =>
        Assert.Equal("No steps have been taken yet.", new AgentMemory().Render(100, 50, Words));
}
