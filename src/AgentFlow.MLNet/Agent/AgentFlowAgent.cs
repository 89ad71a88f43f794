using System.Diagnostics;
using System.Text.Json;
using AgentFlow.MLNet.Agent.Memory;
using AgentFlow.MLNet.Agent.Parsing;
using AgentFlow.MLNet.Agent.Prompts;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Rewards.Extraction;
using AgentFlow.MLNet.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFlow.MLNet.Agent;

/// <summary>
/// The AgentFlow system: a planner, an executor, a verifier and a generator coordinating through an evolving
/// memory and a set of tools. <see cref="SolveAsync(string, CancellationToken)"/> runs the turn loop for one question and returns the full
/// <see cref="Trajectory"/>. Model misbehaviour (malformed output, unknown tools, failing or slow tools) is recorded
/// and the loop carries on; only the caller's cancellation is thrown.
/// </summary>
public sealed class AgentFlowAgent
{
    private readonly AgentModules _modules;
    private readonly ToolRegistry _tools;
    private readonly AgentOptions _options;
    private readonly AgentPrompts _prompts;
    private readonly ILogger _logger;

    /// <summary>Builds an agent; options are validated here.</summary>
    /// <param name="modules">The chat clients behind the four modules.</param>
    /// <param name="tools">The tools the planner may choose.</param>
    /// <param name="options">Loop control; default <see cref="AgentOptions"/>.</param>
    /// <param name="prompts">The prompt set; default <see cref="AgentPrompts.Default"/>.</param>
    /// <param name="logger">Receives a warning for every failed module call (the failure is also in the trajectory).</param>
    public AgentFlowAgent(AgentModules modules, ToolRegistry tools, AgentOptions? options = null, AgentPrompts? prompts = null, ILogger? logger = null)
    {
        _modules = modules ?? throw new ArgumentNullException(nameof(modules));
        _tools = tools ?? throw new ArgumentNullException(nameof(tools));
        _options = options ?? new AgentOptions();
        _options.Validate();
        _prompts = prompts ?? AgentPrompts.Default;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Solves <paramref name="question"/>: query analysis, up to <see cref="AgentOptions.MaxTurns"/> turns, then the final answer.</summary>
    /// <exception cref="ArgumentException">
    /// The question is empty, only white space, or holds a lone UTF-16 surrogate (not Unicode text); the message says which,
    /// and where. Any other text (control characters, right-to-left, CJK, a prompt longer than the context) is solved as given.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<Trajectory> SolveAsync(string question, CancellationToken cancellationToken = default) =>
        SolveAsync(question, new CallSeeds(null), cancellationToken);

    /// <summary>
    /// Solves <paramref name="question"/> reproducibly: every module call of the run samples with its own seed derived
    /// from <paramref name="seed"/> and the call's place in the run (overriding the options' seeds), so the same seed,
    /// question and models give the same trajectory, however many other runs share the engine.
    /// </summary>
    /// <exception cref="ArgumentException">The question is empty, only white space, or holds a lone UTF-16 surrogate.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<Trajectory> SolveAsync(string question, ulong seed, CancellationToken cancellationToken = default) =>
        SolveAsync(question, new CallSeeds(seed), cancellationToken);

    private async Task<Trajectory> SolveAsync(string question, CallSeeds seeds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (QuestionText.Problem(question) is { } problem)
            throw new ArgumentException($"The question {problem}.", nameof(question));
        var clock = Stopwatch.StartNew();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_options.TimeBudget);
        var memory = new AgentMemory();
        var turns = new List<AgentTurn>();
        string tools = _tools.RenderCards();
        ModuleCall? analysis = null;
        var stop = StopReason.MaxTurns;

        try
        {
            if (_options.AnalyzeQuery)
            {
                analysis = await CallAsync("query_analysis", _modules.QueryAnalyzer ?? _modules.Verifier, _prompts.QueryAnalysis, seeds.Next(_options.FrozenChatOptions),
                    new() { ["question"] = question, ["tools"] = tools }, budget.Token);
                if (analysis.Error is not null)
                    return await FinishAsync(StopReason.ModuleFailure);
                memory.QueryAnalysis = analysis.Output;
            }

            for (int number = 1; number <= _options.MaxTurns; number++)
            {
                var turn = await TurnAsync(number, question, tools, memory, seeds, budget.Token);
                turns.Add(turn);
                if (IsModuleFailure(turn))
                {
                    stop = StopReason.ModuleFailure;
                    break;
                }
                if (turn.Verdict?.Stop == true)
                {
                    stop = StopReason.Verified;
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            stop = StopReason.TimeBudget;
        }
        return await FinishAsync(stop);

        // The generator always answers (bounded by the caller's token only), from whatever the memory holds.
        async Task<Trajectory> FinishAsync(StopReason reason)
        {
            var generator = await CallAsync("generator", _modules.Generator, _prompts.Generator, seeds.Next(_options.FrozenChatOptions),
                new() { ["question"] = question, ["memory"] = RenderMemory(memory) }, cancellationToken);
            var failed = new[] { analysis, turns.LastOrDefault()?.Planner, turns.LastOrDefault()?.Executor, turns.LastOrDefault()?.Verifier, generator }
                .FirstOrDefault(call => call?.Error is not null);
            if (failed is not null)
                reason = StopReason.ModuleFailure;
            return new Trajectory
            {
                Question = question,
                PromptVersion = _prompts.Version,
                QueryAnalysis = analysis,
                Turns = turns,
                StopReason = reason,
                Generator = generator,
                FinalAnswer = AnswerExtractors.AnswerTag.Extract(generator.Output) ?? generator.Output.Trim(),
                DurationMs = clock.Elapsed.TotalMilliseconds,
                Failure = failed?.Error,
            };
        }
    }

    private async Task<AgentTurn> TurnAsync(int number, string question, string tools, AgentMemory memory, CallSeeds seeds, CancellationToken cancellationToken)
    {
        var planner = await CallAsync("planner", _modules.Planner, _prompts.Planner, seeds.Next(_options.PlannerChatOptions), new()
        {
            ["question"] = question,
            ["query_analysis"] = memory.QueryAnalysis.Length > 0 ? memory.QueryAnalysis : "(none)",
            ["tools"] = tools,
            ["tool_names"] = string.Join(", ", _tools.Names),
            ["memory"] = RenderMemory(memory),
            ["turn"] = number.ToString(),
            ["max_turns"] = _options.MaxTurns.ToString(),
        }, cancellationToken);
        var turn = new AgentTurn(number, planner);
        if (planner.Error is not null)
            return turn with { Error = planner.Error };

        if (!NextStepParser.TryParse(planner.Output, out var step, out string? malformed))
        {
            memory.Append(new MemoryStep("(none)", step.SubGoal, "", "", $"malformed planner output: {malformed}"));
            return turn with { Error = malformed };
        }
        turn = turn with { Step = step };
        if (!_tools.TryGet(step.ToolName, out var tool))
        {
            string unknown = $"unknown tool '{step.ToolName}'; available: {string.Join(", ", _tools.Names)}";
            memory.Append(new MemoryStep(step.ToolName, step.SubGoal, "", "", unknown));
            return await VerifyAsync(turn with { Error = unknown });
        }

        var executor = await CallAsync("executor", _modules.Executor, _prompts.Executor, seeds.Next(_options.FrozenChatOptions), new()
        {
            ["question"] = question,
            ["context"] = step.Context,
            ["sub_goal"] = step.SubGoal,
            ["tool_name"] = tool.Card.Name,
            ["tool_card"] = tool.Card.Render(),
            ["memory"] = RenderMemory(memory),
        }, cancellationToken);
        turn = turn with { Executor = executor, Tool = tool.Card.Name };
        if (executor.Error is not null)
            return turn with { Error = executor.Error };
        if (!ToolCallParser.TryParse(executor.Output, out _, out JsonElement arguments, out string? badCall))
        {
            memory.Append(new MemoryStep(tool.Card.Name, step.SubGoal, "", "", $"malformed tool call: {badCall}"));
            return await VerifyAsync(turn with { Error = badCall });
        }

        // The planner chose the tool; the executor only writes its arguments.
        string command = arguments.GetRawText();
        var result = await _tools.InvokeAsync(tool.Card.Name, arguments, cancellationToken);
        memory.Append(new MemoryStep(tool.Card.Name, step.SubGoal, command, result.Succeeded ? result.Output : "", result.Succeeded ? null : result.Error));
        turn = turn with
        {
            ToolArguments = command,
            ToolOutput = result.Succeeded ? result.Output : null,
            ToolDurationMs = result.Duration.TotalMilliseconds,
            Error = result.Succeeded ? null : result.Error,
        };
        return await VerifyAsync(turn);

        async Task<AgentTurn> VerifyAsync(AgentTurn current)
        {
            var verifier = await CallAsync("verifier", _modules.Verifier, _prompts.Verifier, seeds.Next(_options.FrozenChatOptions), new()
            {
                ["question"] = question,
                ["query_analysis"] = memory.QueryAnalysis.Length > 0 ? memory.QueryAnalysis : "(none)",
                ["memory"] = RenderMemory(memory),
                ["turn"] = number.ToString(),
                ["max_turns"] = _options.MaxTurns.ToString(),
            }, cancellationToken);
            if (verifier.Error is not null)
                return current with { Verifier = verifier, Error = verifier.Error };
            return current with { Verifier = verifier, Verdict = VerdictParser.Parse(verifier.Output) };
        }
    }

    private static bool IsModuleFailure(AgentTurn turn) =>
        turn.Planner.Error is not null || turn.Executor?.Error is not null || turn.Verifier?.Error is not null;

    private string RenderMemory(AgentMemory memory) =>
        memory.Render(_options.MemoryTokenBudget, _options.MaxResultTokens, _options.CountTokens);

    /// <summary>
    /// Renders a prompt and calls a module. A client failure is returned as an errored call (the run then ends
    /// cleanly) and logged; cancellation propagates. Only the planner's token-level record is kept.
    /// </summary>
    private async Task<ModuleCall> CallAsync(string module, IChatClient client, PromptTemplate template, ChatOptions options, Dictionary<string, string> values, CancellationToken cancellationToken)
    {
        string prompt = template.Render(values);
        var clock = Stopwatch.StartNew();
        try
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], options, cancellationToken).ConfigureAwait(false);
            var sequence = response.GetGeneratedSequence();
            return new ModuleCall(module, prompt, response.Text, clock.Elapsed.TotalMilliseconds, response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount, null)
            {
                Sequence = module == "planner" ? sequence : null,
                PromptTokensCut = sequence?.PromptTokensCut,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Includes a client's own timeout (an OperationCanceledException we did not ask for).
            _logger.LogWarning(e, "The {Module} call failed: {Message}", module, e.Message);
            return new ModuleCall(module, prompt, "", clock.Elapsed.TotalMilliseconds, null, null, $"{module} call failed: {e.Message}");
        }
    }

    /// <summary>
    /// Per-call options of one run: a copy of the module's options, with a seed derived from the run's seed and the
    /// call's index when the run is seeded (calls happen in a fixed order, so the index identifies the call).
    /// </summary>
    private sealed class CallSeeds(ulong? seed)
    {
        private int _calls;

        internal ChatOptions Next(ChatOptions options)
        {
            var copy = options.Clone();
            int call = _calls++;
            if (seed is ulong runSeed)
                copy.Seed = unchecked((long)SamplingSeeds.Derive(runSeed, call));
            return copy;
        }
    }
}
