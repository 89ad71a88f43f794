namespace AgentFlow.MLNet.Agent.Prompts;

/// <summary>
/// Every prompt of the four modules (plus query analysis), in one place, versioned. Override any of them with
/// <c>with</c>: <c>AgentPrompts.Default with { Planner = AgentPrompts.Planner(myText) }</c>.
/// </summary>
public sealed record AgentPrompts
{
    /// <summary>Bumped whenever a default prompt's wording changes; recorded in every trajectory.</summary>
    public const string DefaultVersion = "agentflow-mlnet/prompts@2";

    /// <summary>The built-in prompts.</summary>
    public static AgentPrompts Default { get; } = new()
    {
        QueryAnalysis = QueryAnalysisTemplate(DefaultPrompts.QueryAnalysis),
        Planner = PlannerTemplate(DefaultPrompts.Planner),
        Executor = ExecutorTemplate(DefaultPrompts.Executor),
        Verifier = VerifierTemplate(DefaultPrompts.Verifier),
        Generator = GeneratorTemplate(DefaultPrompts.Generator),
    };

    /// <summary>Version label recorded in trajectories; set your own when you override prompts.</summary>
    public string Version { get; init; } = DefaultVersion;

    /// <summary>Query analysis: placeholders {question}, {tools}.</summary>
    public required PromptTemplate QueryAnalysis { get; init; }

    /// <summary>Planner (the trained module): {question}, {query_analysis}, {tools}, {tool_names}, {memory}, {turn}, {max_turns}.</summary>
    public required PromptTemplate Planner { get; init; }

    /// <summary>Executor: {question}, {context}, {sub_goal}, {tool_name}, {tool_card}, {memory}.</summary>
    public required PromptTemplate Executor { get; init; }

    /// <summary>Verifier: {question}, {query_analysis}, {memory}, {turn}, {max_turns}.</summary>
    public required PromptTemplate Verifier { get; init; }

    /// <summary>Generator: {question}, {memory}.</summary>
    public required PromptTemplate Generator { get; init; }

    /// <summary>A query-analysis prompt from text.</summary>
    public static PromptTemplate QueryAnalysisTemplate(string text) => new("query_analysis", text, ["question", "tools"]);

    /// <summary>A planner prompt from text.</summary>
    public static PromptTemplate PlannerTemplate(string text) => new("planner", text, ["question", "query_analysis", "tools", "tool_names", "memory", "turn", "max_turns"]);

    /// <summary>An executor prompt from text.</summary>
    public static PromptTemplate ExecutorTemplate(string text) => new("executor", text, ["question", "context", "sub_goal", "tool_name", "tool_card", "memory"]);

    /// <summary>A verifier prompt from text.</summary>
    public static PromptTemplate VerifierTemplate(string text) => new("verifier", text, ["question", "query_analysis", "memory", "turn", "max_turns"]);

    /// <summary>A generator prompt from text.</summary>
    public static PromptTemplate GeneratorTemplate(string text) => new("generator", text, ["question", "memory"]);
}
