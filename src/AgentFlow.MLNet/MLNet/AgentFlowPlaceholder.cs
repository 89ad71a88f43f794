using Microsoft.ML.Transforms;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// The placeholder stage <c>SaveAgentFlow</c> puts where an AgentFlow stage was, so that the file stays an ordinary
/// ML.NET model: ML.NET saves it as a custom mapping (only its contract name), and plain <c>mlContext.Model.Load</c>
/// opens the file through <see cref="AgentFlowPlaceholderFactory"/>. It reads no input column and adds the
/// transformer's columns (<see cref="AgentFlowPrediction"/>, or <see cref="AgentFlowScoredPrediction"/> with a label); reading any of them fails with a message naming <c>LoadAgentFlow</c>, because the weights,
/// tools and prompts live in the zip's AgentFlow entries that only <c>LoadAgentFlow</c> reads.
/// </summary>
public sealed class AgentFlowPlaceholderInput
{
}

/// <summary>Recreates the placeholder of a stage without a label column when ML.NET loads the file.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class AgentFlowPlaceholderFactory : CustomMappingFactory<AgentFlowPlaceholderInput, AgentFlowPrediction>
{
    /// <summary>The custom-mapping contract name saved in the model file.</summary>
    public const string ContractName = "AgentFlow.MLNet.AgentFlowStage.v1";

    /// <inheritdoc />
    public override Action<AgentFlowPlaceholderInput, AgentFlowPrediction> GetMapping() => static (_, _) => throw AgentFlowPlaceholders.NotLoaded();
}

/// <summary>Recreates the placeholder of a stage with a label column when ML.NET loads the file.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class AgentFlowScoredPlaceholderFactory : CustomMappingFactory<AgentFlowPlaceholderInput, AgentFlowScoredPrediction>
{
    /// <summary>The custom-mapping contract name saved in the model file.</summary>
    public const string ContractName = "AgentFlow.MLNet.AgentFlowScoredStage.v1";

    /// <inheritdoc />
    public override Action<AgentFlowPlaceholderInput, AgentFlowScoredPrediction> GetMapping() => static (_, _) => throw AgentFlowPlaceholders.NotLoaded();
}

/// <summary>Making and recognising placeholders.</summary>
internal static class AgentFlowPlaceholders
{
    internal static InvalidOperationException NotLoaded() => new(
        "This model file holds an AgentFlow stage, which plain mlContext.Model.Load restores only as a placeholder without its model, tools " +
        "and prompts. Load the file with mlContext.Model.LoadAgentFlow(path, out inputSchema) (namespace AgentFlow.MLNet.MLNet).");

    internal static bool IsPlaceholder(Microsoft.ML.ITransformer transformer) =>
        transformer is CustomMappingTransformer<AgentFlowPlaceholderInput, AgentFlowPrediction>
            or CustomMappingTransformer<AgentFlowPlaceholderInput, AgentFlowScoredPrediction>;
}
