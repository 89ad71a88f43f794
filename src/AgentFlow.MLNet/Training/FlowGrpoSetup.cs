using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Prompts;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Rewards;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentFlow.MLNet.Training;

/// <summary>What a <see cref="FlowGrpoTrainer"/> runs the agent with, beyond the trained model itself. Every part is optional.</summary>
public sealed record FlowGrpoSetup
{
    /// <summary>
    /// The client behind the frozen modules (query analysis, executor, verifier, generator). Default null: the hosted
    /// model with its adapters off, so one copy of the weights serves all four modules.
    /// </summary>
    public IChatClient? FrozenModules { get; init; }

    /// <summary>
    /// Scores each question's G answers together (a <see cref="RelativeJudgeScorer"/>, say) instead of one by one; rows
    /// with a scorer of their own keep it, and validation uses the trainer's scorer. Default null: one by one.
    /// </summary>
    public IGroupAnswerScorer? GroupScorer { get; init; }

    /// <summary>The agent's loop settings; the trainer sets its turns and planner sampling from the options. Default <see cref="AgentOptions.Training"/>.</summary>
    public AgentOptions Agent { get; init; } = AgentOptions.Training;

    /// <summary>The prompt set. Default <see cref="AgentPrompts.Default"/>.</summary>
    public AgentPrompts? Prompts { get; init; }

    /// <summary>A frozen copy of the initial model, the KL reference under full fine-tuning (not needed with LoRA). Default null.</summary>
    public CausalLM? Reference { get; init; }

    /// <summary>Receives one line per step, validation results and warnings. Default none.</summary>
    public ILogger? Logger { get; init; }
}
