using AgentFlow.MLNet.Agent.Prompts;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using Microsoft.Extensions.AI;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// What <c>LoadAgentFlow</c> cannot read from the file, because it is code rather than data: tools, the scorer and a
/// client for external frozen modules. Everything else (weights, adapters, tokenizer, options, prompts) comes from the file.
/// </summary>
public sealed record AgentFlowLoadOptions
{
    /// <summary>The tools; must include every tool the saved stage names. Default: the calculator alone.</summary>
    public ToolRegistry? Tools { get; init; }

    /// <summary>The reward scorer. Default <see cref="ExactMatchScorer"/>.</summary>
    public IAnswerScorer? Scorer { get; init; }

    /// <summary>The frozen modules' client; required when the stage was saved with one. Default null: the loaded model.</summary>
    public IChatClient? FrozenModules { get; init; }

    /// <summary>Prompts replacing the saved ones. Default null: the saved prompt texts.</summary>
    public AgentPrompts? Prompts { get; init; }

    /// <summary>Where the model is loaded. Default null: the CPU.</summary>
    public Device? Device { get; init; }
}
