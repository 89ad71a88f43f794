using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Tests.Agent;
using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// A tool call that never returns, inside a batch of trajectories run at once (as a rollout group or a transform
/// batch runs them): the other trajectories finish while it hangs, and at its timeout it becomes a recorded error
/// and gives its concurrency slot back. No assertion depends on how long anything takes; the one-minute bounds only
/// turn a regression into a failure instead of a hang.
/// </summary>
public sealed class HangingToolTests
{
    private const string HangingQuestion = "question 3";
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task TheOtherTrajectoriesFinishWhileOneToolCallHangs()
    {
        var hanging = new TaskCompletionSource();
        var tool = new ScriptedTool("lookup", async (arguments, token) =>
        {
            string query = arguments.GetProperty("query").GetString()!;
            if (query == HangingQuestion)
            {
                hanging.TrySetResult();
                await Task.Delay(Timeout.Infinite, token);
            }
            return ToolResult.Success($"the answer to {query} is 42");
        });
        // Two slots for eight trajectories: the hung call holds one, the other seven share the other.
        var agent = Agent(tool, new ToolRegistryOptions { DefaultTimeout = TimeSpan.FromHours(1), DefaultMaxConcurrentCalls = 2 });

        using var cancel = new CancellationTokenSource();
        var stuck = agent.SolveAsync(HangingQuestion, 3, cancel.Token);
        try
        {
            await Task.WhenAny(hanging.Task, stuck).WaitAsync(Bound);
            Assert.True(hanging.Task.IsCompleted, "the hanging question never reached its tool");
            var others = await Task.WhenAll(Enumerable.Range(0, 8).Where(i => i != 3).Select(i => agent.SolveAsync($"question {i}", (ulong)i))).WaitAsync(Bound);

            Assert.All(others, t => Assert.Equal("42", t.FinalAnswer));
            Assert.All(others, t => Assert.Equal(StopReason.Verified, t.StopReason));
            Assert.False(stuck.IsCompleted, "the hung trajectory cannot have finished: its tool never returns and its timeout is an hour away");
        }
        finally
        {
            cancel.Cancel();
        }
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck.WaitAsync(Bound));
    }

    [Fact]
    public async Task AToolThatIgnoresCancellationIsAbandonedAtItsTimeoutAndFreesItsSlot()
    {
        var never = new TaskCompletionSource<ToolResult>();
        var tool = new ScriptedTool("lookup", (arguments, _) =>
            arguments.GetProperty("query").GetString() == HangingQuestion ? never.Task : Task.FromResult(ToolResult.Success("the answer is 42")));
        // One slot: if the abandoned call kept it, the next trajectory's call could never start. Two seconds is the
        // hung call's whole cost and ample for the call that answers at once, even on a busy machine.
        var agent = Agent(tool, new ToolRegistryOptions { DefaultTimeout = TimeSpan.FromSeconds(2), DefaultMaxConcurrentCalls = 1 });

        var timedOut = await agent.SolveAsync(HangingQuestion, 3).WaitAsync(Bound);
        var next = await agent.SolveAsync("question 4", 4).WaitAsync(Bound);

        Assert.Contains("timed out", timedOut.Turns[0].Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("unknown", timedOut.FinalAnswer);
        Assert.Equal("42", next.FinalAnswer);
        Assert.False(never.Task.IsCompleted);
    }

    /// <summary>One turn: the planner always picks the tool, the executor asks it the question, the generator answers the last number seen.</summary>
    private static AgentFlowAgent Agent(ScriptedTool tool, ToolRegistryOptions options)
    {
        var planner = new ScriptedModule("Sub-Goal: look it up\nTool Name: lookup");
        var executor = new ScriptedModule((prompt, _, _) => Task.FromResult($$$"""{"tool": "lookup", "arguments": {"query": "{{{QuestionIn(prompt)}}}"}}"""));
        var verifier = new ScriptedModule("Conclusion: STOP");
        var generator = new ScriptedModule((prompt, _, _) => Task.FromResult(prompt.Contains("is 42", StringComparison.Ordinal) ? "<answer>42</answer>" : "<answer>unknown</answer>"));
        return new AgentFlowAgent(new AgentModules(planner, executor, verifier, generator), new ToolRegistry([tool], options), new AgentOptions { AnalyzeQuery = false, MaxTurns = 1 });
    }

    private static string QuestionIn(string prompt) =>
        Enumerable.Range(0, 8).Select(i => $"question {i}").Single(q => prompt.Contains(q, StringComparison.Ordinal));
}
