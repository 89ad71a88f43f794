using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace AgentFlow.MLNet.Agent.Trajectories;

/// <summary>
/// The complete record of one solved question: every prompt and output, tool call and result, timing, token
/// count, the final answer, and (once scored) the reward. Serialises to stable, diffable JSON.
/// </summary>
public sealed record Trajectory
{
    private static readonly JsonSerializerOptions WithTokens = Options(keepTokens: true);
    private static readonly JsonSerializerOptions WithoutTokens = Options(keepTokens: false);

    /// <summary>The question as posed.</summary>
    public required string Question { get; init; }

    /// <summary>The prompts' version label (<see cref="Prompts.AgentPrompts.Version"/>).</summary>
    public required string PromptVersion { get; init; }

    /// <summary>The query-analysis call, when one was made.</summary>
    public ModuleCall? QueryAnalysis { get; init; }

    /// <summary>The planner turns, in order.</summary>
    public IReadOnlyList<AgentTurn> Turns { get; init; } = [];

    /// <summary>Why the loop ended.</summary>
    public StopReason StopReason { get; init; }

    /// <summary>The generator's call.</summary>
    public ModuleCall? Generator { get; init; }

    /// <summary>The answer extracted from the generator's output (inside <c>&lt;answer&gt;</c> tags, else its text).</summary>
    public string FinalAnswer { get; init; } = "";

    /// <summary>Wall time of the whole run.</summary>
    public double DurationMs { get; init; }

    /// <summary>The outcome reward in [0, 1], once scored.</summary>
    public double? Reward { get; init; }

    /// <summary>
    /// What failed when a module's client failed (<see cref="StopReason.ModuleFailure"/>): the module and the client's
    /// message; null otherwise. An infrastructure failure, not a wrong answer: a trainer leaves such trajectories out
    /// of their group, and the caller should show it (the answer is empty or written without the failed step).
    /// </summary>
    public string? Failure { get; init; }

    /// <summary>Whether the run was cut short by a failing module client (see <see cref="Failure"/>).</summary>
    [JsonIgnore]
    public bool IsInfrastructureFailure => StopReason == StopReason.ModuleFailure;

    /// <summary>Serialises to indented snake_case JSON, without the planner's token ids unless <paramref name="includeTokens"/>.</summary>
    public string ToJson(bool includeTokens = false) => JsonSerializer.Serialize(this, includeTokens ? WithTokens : WithoutTokens);

    /// <summary>Reads JSON written by <see cref="ToJson"/> (with or without tokens).</summary>
    public static Trajectory FromJson(string json) =>
        JsonSerializer.Deserialize<Trajectory>(json, WithTokens) ?? throw new InvalidDataException("The JSON holds no trajectory.");

    private static JsonSerializerOptions Options(bool keepTokens)
    {
        var resolver = new DefaultJsonTypeInfoResolver();
        if (!keepTokens)
        {
            // Token ids and log-probs are training data, large and rarely wanted in a log: left out unless asked for.
            resolver.Modifiers.Add(info =>
            {
                if (info.Type == typeof(ModuleCall))
                {
                    var sequence = info.Properties.Single(p => p.Name == "sequence");
                    sequence.ShouldSerialize = static (_, _) => false;
                }
            });
        }
        return new JsonSerializerOptions
        {
            // Questions and outputs in any script stay readable (CJK, Arabic, accents), not \uXXXX; control characters
            // are still escaped. The JSON is a record for people and programs, never embedded in HTML.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
            TypeInfoResolver = resolver,
        };
    }
}
