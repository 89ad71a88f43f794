using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Tests.Agent;

/// <summary>The turn loop driven by scripted modules through every path it can take.</summary>
public sealed class AgentFlowAgentTests
{
    private const string Question = "Who was president of the United States in the year that Citibank was founded?";

    private static string Plan(string tool, string subGoal = "find the founding year") =>
        $"Justification: the year is needed first.\nContext: Citibank\nSub-Goal: {subGoal}\nTool Name: {tool}";

    private const string Call = """{"tool": "search", "arguments": {"query": "Citibank founded"}}""";
    private const string Continue = "The year is known but not the president.\nConclusion: CONTINUE";
    private const string Stop = "Both facts are known.\nConclusion: STOP";
    private const string Answer = "Citibank was founded in 1812, when James Madison was president. <answer>James Madison</answer>";

    private sealed record Setup(ScriptedModule Planner, ScriptedModule Executor, ScriptedModule Verifier, ScriptedModule Generator, ScriptedTool Tool, ToolRegistry Registry)
    {
        internal AgentFlowAgent Agent(AgentOptions? options = null) =>
            new(new AgentModules(Planner, Executor, Verifier, Generator), Registry, options ?? new AgentOptions { AnalyzeQuery = false });
    }

    private static Setup Build(ScriptedModule? planner = null, ScriptedModule? executor = null, ScriptedModule? verifier = null, ScriptedTool? tool = null, ToolRegistryOptions? registry = null)
    {
        tool ??= ScriptedTool.Answering("search", "Citibank was founded in 1812 as the City Bank of New York.");
        return new Setup(
            planner ?? new ScriptedModule(Plan("search")),
            executor ?? new ScriptedModule(Call),
            verifier ?? new ScriptedModule(Stop),
            new ScriptedModule(Answer),
            tool,
            new ToolRegistry([tool], registry));
    }

    [Fact]
    public async Task ANormalSolveRunsEveryModuleAndRecordsTheAnswer()
    {
        // The verifier's client also writes the query analysis, before the first turn.
        var setup = Build(verifier: new ScriptedModule("Summary: a year, then a president.", Continue, Stop));

        var trajectory = await setup.Agent(new AgentOptions()).SolveAsync(Question);

        Assert.Equal("James Madison", trajectory.FinalAnswer);
        Assert.Equal(StopReason.Verified, trajectory.StopReason);
        Assert.Equal(2, trajectory.Turns.Count);
        Assert.Equal("Summary: a year, then a president.", trajectory.QueryAnalysis!.Output);
        Assert.Contains("a year, then a president", setup.Planner.Prompts[0]);
        Assert.All(trajectory.Turns, t => Assert.Equal("search", t.Tool));
        Assert.Equal("""{"query": "Citibank founded"}""", trajectory.Turns[0].ToolArguments);
        Assert.Contains("1812", trajectory.Turns[0].ToolOutput);
        Assert.Equal(2, setup.Tool.Calls.Count);
        // Later prompts see the memory of earlier steps.
        Assert.Contains("Citibank was founded in 1812", setup.Planner.Prompts[1]);
        Assert.Contains("Citibank was founded in 1812", setup.Generator.Prompts[0]);
    }

    [Fact]
    public async Task AStopAtTurnOneEndsTheLoopAtOnce()
    {
        var setup = Build();

        var trajectory = await setup.Agent().SolveAsync(Question);

        Assert.Single(trajectory.Turns);
        Assert.Equal(StopReason.Verified, trajectory.StopReason);
        Assert.True(trajectory.Turns[0].Verdict!.Stop);
    }

    [Fact]
    public async Task TheLoopEndsAtTheTurnLimitAndStillAnswers()
    {
        var setup = Build(verifier: new ScriptedModule(Continue));

        var trajectory = await setup.Agent(new AgentOptions { AnalyzeQuery = false, MaxTurns = 3 }).SolveAsync(Question);

        Assert.Equal(3, trajectory.Turns.Count);
        Assert.Equal(StopReason.MaxTurns, trajectory.StopReason);
        Assert.Equal("James Madison", trajectory.FinalAnswer);
    }

    [Fact]
    public async Task AnUnknownToolIsRecordedAndThePlannerHearsOfIt()
    {
        var setup = Build(planner: new ScriptedModule(Plan("Web Browser"), Plan("Search")), verifier: new ScriptedModule(Continue, Stop));

        var trajectory = await setup.Agent().SolveAsync(Question);

        Assert.Contains("unknown tool 'web_browser'", trajectory.Turns[0].Error);
        Assert.Null(trajectory.Turns[0].Executor);
        Assert.Contains("unknown tool 'web_browser'", setup.Planner.Prompts[1]);
        Assert.Equal("search", trajectory.Turns[1].Tool);
        Assert.Single(setup.Tool.Calls);
    }

    [Fact]
    public async Task MalformedPlannerTextCostsATurnNotTheRun()
    {
        var setup = Build(planner: new ScriptedModule("I think we should look things up.", Plan("search")));

        var trajectory = await setup.Agent().SolveAsync(Question);

        Assert.Equal(2, trajectory.Turns.Count);
        Assert.Contains("Tool Name", trajectory.Turns[0].Error);
        Assert.Null(trajectory.Turns[0].Step);
        Assert.Equal("search", trajectory.Turns[1].Tool);
        Assert.Equal("James Madison", trajectory.FinalAnswer);
    }

    [Fact]
    public async Task AMalformedToolCallIsRecorded()
    {
        var setup = Build(executor: new ScriptedModule("search for Citibank please"));

        var trajectory = await setup.Agent().SolveAsync(Question);

        Assert.Contains("no JSON object", trajectory.Turns[0].Error);
        Assert.Empty(setup.Tool.Calls);
        Assert.NotNull(trajectory.Turns[0].Verdict);
    }

    [Fact]
    public async Task AToolExceptionBecomesARecordedFailure()
    {
        var failing = new ScriptedTool("search", (_, _) => throw new HttpRequestException("index unavailable"));
        var setup = Build(tool: failing, verifier: new ScriptedModule(Continue, Stop));

        var trajectory = await setup.Agent().SolveAsync(Question);

        Assert.Contains("index unavailable", trajectory.Turns[0].Error);
        Assert.Contains("index unavailable", setup.Verifier.Prompts[0]);
        Assert.Equal(2, trajectory.Turns.Count);
    }

    [Fact]
    public async Task ASlowToolTimesOutAndTheLoopGoesOn()
    {
        var slow = new ScriptedTool("search", async (_, token) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return ToolResult.Success("too late");
        });
        var setup = Build(tool: slow, registry: new ToolRegistryOptions { DefaultTimeout = TimeSpan.FromMilliseconds(100) });

        var trajectory = await setup.Agent().SolveAsync(Question);

        Assert.Contains("timed out", trajectory.Turns[0].Error, StringComparison.OrdinalIgnoreCase);
        Assert.True(trajectory.DurationMs < 10_000);
        Assert.Equal("James Madison", trajectory.FinalAnswer);
    }

    [Fact]
    public async Task AnOversizedToolOutputIsCappedInMemory()
    {
        string huge = string.Concat(Enumerable.Repeat("1812 ", 50_000));
        var setup = Build(tool: ScriptedTool.Answering("search", huge), verifier: new ScriptedModule(Continue, Stop));

        var trajectory = await setup.Agent(new AgentOptions { AnalyzeQuery = false, MemoryTokenBudget = 1000, MaxResultTokens = 200 }).SolveAsync(Question);

        Assert.True(trajectory.Turns[0].ToolOutput!.Length < huge.Length);
        Assert.All(setup.Planner.Prompts.Concat(setup.Verifier.Prompts), prompt => Assert.True(prompt.Length < 12_000, $"prompt of {prompt.Length} characters"));
        Assert.Contains("truncated", setup.Verifier.Prompts[0]);
    }

    [Fact]
    public async Task CancellationIsThrownNotRecorded()
    {
        using var cancel = new CancellationTokenSource();
        var setup = Build(planner: new ScriptedModule((_, _, _) =>
        {
            cancel.Cancel();
            return Task.FromResult(Plan("search"));
        }));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => setup.Agent().SolveAsync(Question, cancel.Token));
    }

    [Fact]
    public async Task TheTimeBudgetStopsTheLoopAndTheGeneratorStillAnswers()
    {
        var setup = Build(executor: new ScriptedModule(async (_, _, token) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return Call;
        }));

        var trajectory = await setup.Agent(new AgentOptions { AnalyzeQuery = false, TimeBudget = TimeSpan.FromMilliseconds(200) }).SolveAsync(Question);

        Assert.Equal(StopReason.TimeBudget, trajectory.StopReason);
        Assert.Equal("James Madison", trajectory.FinalAnswer);
    }

    [Fact]
    public async Task AFailingModuleClientEndsTheRunCleanly()
    {
        var setup = Build(planner: new ScriptedModule((_, _, _) => throw new HttpRequestException("connection refused")));

        var trajectory = await setup.Agent().SolveAsync(Question);

        Assert.Equal(StopReason.ModuleFailure, trajectory.StopReason);
        Assert.Contains("connection refused", trajectory.Turns[0].Planner.Error);
        Assert.Equal("James Madison", trajectory.FinalAnswer);
        Assert.True(trajectory.IsInfrastructureFailure);
        Assert.Contains("connection refused", trajectory.Failure);
    }

    [Fact]
    public async Task AFailingModuleIsLoggedForTheCaller()
    {
        var log = new ListLogger();
        var setup = Build(executor: new ScriptedModule((_, _, _) => throw new HttpRequestException("server returned 503")));
        var agent = new AgentFlowAgent(new AgentModules(setup.Planner, setup.Executor, setup.Verifier, setup.Generator), setup.Registry,
            new AgentOptions { AnalyzeQuery = false }, logger: log);

        var trajectory = await agent.SolveAsync(Question);

        Assert.Equal(StopReason.ModuleFailure, trajectory.StopReason);
        Assert.Contains(log.Warnings, line => line.Contains("executor") && line.Contains("503"));
    }

    [Fact]
    public async Task AFailingGeneratorMarksTheRunAsAnInfrastructureFailure()
    {
        var setup = Build();
        var agent = new AgentFlowAgent(new AgentModules(setup.Planner, setup.Executor, setup.Verifier, new ScriptedModule((_, _, _) => throw new TimeoutException("judge timed out"))),
            setup.Registry, new AgentOptions { AnalyzeQuery = false });

        var trajectory = await agent.SolveAsync(Question);

        Assert.True(trajectory.IsInfrastructureFailure);
        Assert.Contains("generator", trajectory.Failure);
    }

    [Fact]
    public async Task AMistakeOfTheModelIsNotAnInfrastructureFailure()
    {
        var setup = Build(planner: new ScriptedModule("no fields at all"));

        var trajectory = await setup.Agent(new AgentOptions { AnalyzeQuery = false, MaxTurns = 2 }).SolveAsync(Question);

        Assert.False(trajectory.IsInfrastructureFailure);
        Assert.Null(trajectory.Failure);
        Assert.All(trajectory.Turns, t => Assert.NotNull(t.Error));
    }

    [Fact]
    public async Task TheTrajectoryRoundTripsThroughStableJson()
    {
        var trajectory = await Build().Agent().SolveAsync(Question);

        string json = trajectory.ToJson();
        var again = Trajectory.FromJson(json);

        Assert.Equal(json, again.ToJson());
        Assert.Contains("\"stop_reason\": \"verified\"", json);
        Assert.Contains("\"final_answer\": \"James Madison\"", json);
    }

    [Fact]
    public void BadOptionsAreRejectedByName()
    {
        var setup = Build();

        Assert.Equal("MaxTurns", Assert.Throws<ArgumentOutOfRangeException>(() => setup.Agent(new AgentOptions { MaxTurns = 0 })).ParamName);
        Assert.Equal("TimeBudget", Assert.Throws<ArgumentOutOfRangeException>(() => setup.Agent(new AgentOptions { TimeBudget = TimeSpan.Zero })).ParamName);
    }
}
