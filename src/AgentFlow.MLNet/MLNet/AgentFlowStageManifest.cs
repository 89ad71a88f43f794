using System.Text.Json;
using System.Text.Json.Serialization;
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Prompts;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// What a saved AgentFlow stage needs besides its weights: the transform options, the loop settings, the prompt texts
/// and version, the tool names, which backend serves the frozen modules and how the planner was trained.
/// </summary>
internal sealed record AgentFlowStageManifest
{
    /// <summary>The version of this layout; a reader refuses a newer one.</summary>
    internal const int CurrentFormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string QuestionColumn { get; init; }

    public string? LabelColumn { get; init; }

    public int BatchSize { get; init; }

    public int MaxNewTokens { get; init; }

    public ulong Seed { get; init; }

    public InvalidQuestionHandling InvalidQuestions { get; init; }

    public int MaxTurns { get; init; }

    public double TimeBudgetSeconds { get; init; }

    public bool AnalyzeQuery { get; init; }

    public int MemoryTokenBudget { get; init; }

    public int MaxResultTokens { get; init; }

    public float? PlannerTemperature { get; init; }

    public float? PlannerTopP { get; init; }

    public float? FrozenTemperature { get; init; }

    public required string PromptVersion { get; init; }

    public required Dictionary<string, string> Prompts { get; init; }

    public required string[] Tools { get; init; }

    /// <summary>"model" when the pipeline's own model serves the frozen modules, "external" when a client was given.</summary>
    public required string FrozenModules { get; init; }

    /// <summary>"lora" when the planner is the base plus adapters, "base" otherwise.</summary>
    public required string Planner { get; init; }

    public required string ModelSource { get; init; }

    public required string Scorer { get; init; }

    internal static AgentFlowStageManifest From(AgentFlowPipeline pipeline, bool lora)
    {
        var options = pipeline.Options;
        var prompts = options.Prompts ?? AgentPrompts.Default;
        return new AgentFlowStageManifest
        {
            QuestionColumn = options.QuestionColumnName,
            LabelColumn = options.LabelColumnName,
            BatchSize = options.BatchSize,
            MaxNewTokens = options.MaxNewTokens,
            Seed = options.Seed,
            InvalidQuestions = options.InvalidQuestions,
            MaxTurns = options.Agent.MaxTurns,
            TimeBudgetSeconds = options.Agent.TimeBudget.TotalSeconds,
            AnalyzeQuery = options.Agent.AnalyzeQuery,
            MemoryTokenBudget = options.Agent.MemoryTokenBudget,
            MaxResultTokens = options.Agent.MaxResultTokens,
            PlannerTemperature = options.Agent.PlannerChatOptions.Temperature,
            PlannerTopP = options.Agent.PlannerChatOptions.TopP,
            FrozenTemperature = options.Agent.FrozenChatOptions.Temperature,
            PromptVersion = prompts.Version,
            Prompts = new()
            {
                ["query_analysis"] = prompts.QueryAnalysis.Text,
                ["planner"] = prompts.Planner.Text,
                ["executor"] = prompts.Executor.Text,
                ["verifier"] = prompts.Verifier.Text,
                ["generator"] = prompts.Generator.Text,
            },
            Tools = [.. pipeline.Tools.Names],
            FrozenModules = options.FrozenModules is null ? "model" : "external",
            Planner = lora ? "lora" : "base",
            ModelSource = pipeline.Model.Source,
            Scorer = pipeline.Scorer.GetType().Name,
        };
    }

    /// <summary>The transform options this manifest describes; tools, scorer and frozen modules come from the caller.</summary>
    internal AgentFlowTransformOptions ToOptions(AgentFlowLoadOptions load) => new()
    {
        QuestionColumnName = QuestionColumn,
        LabelColumnName = LabelColumn,
        BatchSize = BatchSize,
        MaxNewTokens = MaxNewTokens,
        Seed = Seed,
        InvalidQuestions = InvalidQuestions,
        Agent = new AgentOptions
        {
            MaxTurns = MaxTurns,
            TimeBudget = TimeSpan.FromSeconds(TimeBudgetSeconds),
            AnalyzeQuery = AnalyzeQuery,
            MemoryTokenBudget = MemoryTokenBudget,
            MaxResultTokens = MaxResultTokens,
            PlannerChatOptions = new ChatOptions { Temperature = PlannerTemperature, TopP = PlannerTopP },
            FrozenChatOptions = new ChatOptions { Temperature = FrozenTemperature },
        },
        Prompts = load.Prompts ?? new AgentPrompts
        {
            Version = PromptVersion,
            QueryAnalysis = AgentPrompts.QueryAnalysisTemplate(Prompts["query_analysis"]),
            Planner = AgentPrompts.PlannerTemplate(Prompts["planner"]),
            Executor = AgentPrompts.ExecutorTemplate(Prompts["executor"]),
            Verifier = AgentPrompts.VerifierTemplate(Prompts["verifier"]),
            Generator = AgentPrompts.GeneratorTemplate(Prompts["generator"]),
        },
        Tools = load.Tools,
        Scorer = load.Scorer,
        FrozenModules = load.FrozenModules,
    };

    internal string ToJson() => JsonSerializer.Serialize(this, Json);

    internal static AgentFlowStageManifest FromJson(string json, string entry)
    {
        AgentFlowStageManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<AgentFlowStageManifest>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{entry}' is not a valid AgentFlow stage manifest: {e.Message}", e);
        }
        if (manifest is null)
            throw new InvalidDataException($"'{entry}' holds no AgentFlow stage manifest.");
        if (manifest.FormatVersion > CurrentFormatVersion)
            throw new InvalidDataException($"'{entry}' has format version {manifest.FormatVersion}; this library reads up to {CurrentFormatVersion}. Update AgentFlow.MLNet.");
        return manifest;
    }
}
