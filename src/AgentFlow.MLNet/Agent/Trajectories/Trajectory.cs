using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFlow.MLNet.Agent.Trajectories;

/// <summary>
/// The complete record of one solved question: every prompt and output, tool call and result, timing, token
/// count, the final answer, and (once scored) the reward. Serialises to stable, diffable JSON.
/// </summary>
public sealed record Trajectory
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

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

    /// <summary>Serialises to indented snake_case JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads JSON written by <see cref="ToJson"/>.</summary>
    public static Trajectory FromJson(string json) =>
        JsonSerializer.Deserialize<Trajectory>(json, Json) ?? throw new InvalidDataException("The JSON holds no trajectory.");
}
