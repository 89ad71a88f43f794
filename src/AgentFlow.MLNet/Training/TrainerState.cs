using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AgentFlow.MLNet.Training;

/// <summary>
/// What a checkpoint records beside the weights and the optimizer (<c>trainer_state.json</c>, named as TRL names its
/// own): where training stands, what it was trained on, the best validation so far, and a SHA-256 of every other file
/// of the checkpoint, so a damaged or half-copied checkpoint is refused instead of resumed from.
/// </summary>
internal sealed record TrainerState
{
    internal const string FileName = "trainer_state.json";
    internal const string CurrentFormat = "agentflow-flow-grpo-trainer-1";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The layout version; a checkpoint of another version is refused.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Training steps completed: the next step is <c>GlobalStep + 1</c>, and the data position follows from it.</summary>
    public int GlobalStep { get; init; }

    /// <summary>Steps per pass over the training set when the checkpoint was written.</summary>
    public int StepsPerEpoch { get; init; }

    /// <summary>Rows of the training set.</summary>
    public int TrainRows { get; init; }

    /// <summary>SHA-256 of the training rows in order (<see cref="TrainingCheckpoints.Fingerprint"/>): resuming needs the same rows.</summary>
    public string TrainFingerprint { get; init; } = "";

    /// <summary>Whether the checkpoint holds LoRA adapters (PEFT files) rather than full weights.</summary>
    public bool Lora { get; init; }

    /// <summary>The best validation accuracy so far, or null before any validation.</summary>
    public double? BestMetric { get; init; }

    /// <summary>The folder name of the checkpoint with <see cref="BestMetric"/> (beside this one), or null.</summary>
    public string? BestModelCheckpoint { get; init; }

    /// <summary>The options the run was started with, as JSON.</summary>
    public JsonObject Options { get; init; } = [];

    /// <summary>Every other file of the checkpoint with its SHA-256 (lower-case hex).</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();
}
