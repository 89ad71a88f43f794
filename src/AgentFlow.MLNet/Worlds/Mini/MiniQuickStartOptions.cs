using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>Everything the Mini quick start is run with; the defaults are the README's run.</summary>
public sealed record MiniQuickStartOptions
{
    /// <summary>The world. Default <see cref="MiniWorldOptions"/>.</summary>
    public MiniWorldOptions World { get; init; } = new();

    /// <summary>The teacher's mistake rates. Default <see cref="MiniTeacherOptions"/>.</summary>
    public MiniTeacherOptions Teacher { get; init; } = new();

    /// <summary>Teacher runs per training question collected as demonstrations. Default 2.</summary>
    public int DemonstrationRuns { get; init; } = 2;

    /// <summary>The base model: a byte-level tiny decoder. Default 64 wide, 2 layers, context 512.</summary>
    public TinyModelOptions Model { get; init; } = new() { HiddenSize = 64, Layers = 2, AttentionHeads = 2, KeyValueHeads = 1, IntermediateSize = 192, ContextLength = 512, Seed = 3 };

    /// <summary>The warm start. Default <see cref="MiniWarmStartOptions"/>.</summary>
    public MiniWarmStartOptions WarmStart { get; init; } = new();

    /// <summary>
    /// The planner's adapters. Default rank 8, alpha 16. Their initialisation is seeded by the training seed
    /// (<see cref="FlowGrpoOptions.Seed"/>), as the ML.NET estimator seeds them, so a seed set here is not used.
    /// </summary>
    public LoraOptions Lora { get; init; } = new() { Rank = 8, Alpha = 16 };

    /// <summary>
    /// Flow-GRPO. Default: 8 questions × 8 rollouts a step, 2 turns, sampling at temperature 0.7 (the trainer's
    /// default; at temperature 1 a byte-level planner misspells a field or a tool name in about half of its rollouts,
    /// which buries the tool-choice signal in noise), learning rate 1e-3 (a tiny model's LoRA moves slowly at the 1e-5
    /// meant for billions of weights), two epochs over the training split, one optimizer step per training step.
    /// </summary>
    public FlowGrpoOptions Training { get; init; } = new()
    {
        BatchSize = 8,
        NumGenerations = 8,
        MaxTurns = MiniAgent.Options.MaxTurns,
        Temperature = 0.7,
        TopP = 1.0,
        FrequencyPenalty = 0,
        MaxCompletionTokens = 48,
        NumTrainEpochs = 2,
        LearningRate = 1e-3,
        MiniBatchSize = 0,
        EvalSteps = 10,
        Seed = 11,
    };
}
