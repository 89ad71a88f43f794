using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Prompts;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Training;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.MLNet;

/// <summary>Everything <see cref="AgentFlowEstimator"/> trains with. Options are copied, never mutated.</summary>
public sealed record FlowGrpoEstimatorOptions
{
    /// <summary>The input column holding the question (text). Default <see cref="AgentFlowColumns.Question"/>.</summary>
    public string QuestionColumnName { get; init; } = AgentFlowColumns.Question;

    /// <summary>The input column holding the gold answer (text). Default <see cref="AgentFlowColumns.Answer"/>.</summary>
    public string AnswerColumnName { get; init; } = AgentFlowColumns.Answer;

    /// <summary>An optional input column naming each row's family or benchmark (text), for per-source metrics. Default null.</summary>
    public string? SourceColumnName { get; init; }

    /// <summary>The model to start from. Required.</summary>
    public AgentFlowModelSource? Model { get; init; }

    /// <summary>Where the model runs. Default null: the CPU (or the tiny model's own device option).</summary>
    public Device? Device { get; init; }

    /// <summary>
    /// The planner's LoRA adapters (the base stays frozen and, with adapters off, serves the other modules and the KL
    /// reference). Default rank 8, alpha 16; their initialisation is seeded by the training seed (<see cref="Seed"/>).
    /// Null trains every weight (a frozen second copy is then loaded as the reference).
    /// </summary>
    public LoraOptions? Lora { get; init; } = new() { Rank = 8, Alpha = 16 };

    /// <summary>
    /// The trainer's options (group size, batch, epochs, learning rate, clipping, KL, schedule, ...). Default
    /// <see cref="FlowGrpoOptions"/>. Its <see cref="FlowGrpoOptions.Seed"/> and <see cref="FlowGrpoOptions.OutputFolder"/>
    /// are replaced by <see cref="Seed"/> and <see cref="CheckpointFolder"/> when those are set.
    /// </summary>
    public FlowGrpoOptions Trainer { get; init; } = new();

    /// <summary>The tools the planner chooses from. Default: the calculator alone.</summary>
    public ToolRegistry? Tools { get; init; }

    /// <summary>Scores each trajectory's final answer against the answer column. Default <see cref="ExactMatchScorer"/>.</summary>
    public IAnswerScorer? Scorer { get; init; }

    /// <summary>The frozen modules' client (e.g. a served model). Default null: the trained model with adapters off.</summary>
    public IChatClient? FrozenModules { get; init; }

    /// <summary>The prompt set. Default <see cref="AgentPrompts.Default"/>.</summary>
    public AgentPrompts? Prompts { get; init; }

    /// <summary>
    /// The agent's loop settings during rollouts; the trainer sets the turns and the planner's sampling from
    /// <see cref="Trainer"/>. Default <see cref="AgentOptions.Training"/>.
    /// </summary>
    public AgentOptions TrainingAgent { get; init; } = AgentOptions.Training;

    /// <summary>The training seed. Default null: drawn from the <see cref="MLContext"/>'s random source (its seed).</summary>
    public int? Seed { get; init; }

    /// <summary>Where the trainer writes metrics.jsonl and checkpoints. Default null: the trainer's own <see cref="FlowGrpoOptions.OutputFolder"/>.</summary>
    public string? CheckpointFolder { get; init; }

    /// <summary>Rows (same columns as the training data) the planner is validated on, greedily, and never trained on. Default none.</summary>
    public IDataView? ValidationData { get; init; }

    /// <summary>Receives every step's metrics as it finishes. Default none.</summary>
    public IProgress<FlowGrpoStepMetrics>? Progress { get; init; }

    /// <summary>Receives the trainer's step lines and warnings. Default none.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Stops Fit at the next row read or training step, with <see cref="OperationCanceledException"/>. Default none.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>What to do with a training row whose question is empty, white space or not Unicode text (a lone surrogate). Default <see cref="InvalidQuestionHandling.Throw"/>.</summary>
    public InvalidQuestionHandling InvalidQuestions { get; init; } = InvalidQuestionHandling.Throw;

    /// <summary>
    /// How the trained transformer runs (batch size, turns, tokens). Default <see cref="AgentFlowTransformOptions"/>; its
    /// question column, tools, scorer, frozen modules and prompts are taken from these options when it leaves them unset.
    /// </summary>
    public AgentFlowTransformOptions Transform { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(QuestionColumnName, nameof(QuestionColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(AnswerColumnName, nameof(AnswerColumnName));
        if (SourceColumnName is not null && SourceColumnName.Trim().Length == 0)
            throw new ArgumentException("SourceColumnName must be null or a column name.", nameof(SourceColumnName));
        if (Model is null)
            throw new ArgumentNullException(nameof(Model), "Set Model: AgentFlowModelSource.FromFolder(...), FromGguf(...) or TinyModel(...).");
        ArgumentNullException.ThrowIfNull(Trainer, nameof(Trainer));
        Trainer.Validate();
        Lora?.Validate();
        ArgumentNullException.ThrowIfNull(TrainingAgent, nameof(TrainingAgent));
        TrainingAgent.Validate();
        ArgumentNullException.ThrowIfNull(Transform, nameof(Transform));
        Transform.Validate();
    }
}
