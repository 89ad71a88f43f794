using Microsoft.ML;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// The schema shape a transformer's output has. ML.NET keeps <c>SchemaShape.Column</c>'s constructor internal, so the
/// shape comes from the public custom-mapping estimator over the placeholder's output class, which declares exactly
/// the added columns.
/// </summary>
internal static class AgentFlowShapes
{
    internal static SchemaShape Output(MLContext mlContext, SchemaShape input, bool scored) => scored
        ? mlContext.Transforms.CustomMapping<AgentFlowPlaceholderInput, AgentFlowScoredPrediction>(static (_, _) => { }, contractName: null).GetOutputSchema(input)
        : mlContext.Transforms.CustomMapping<AgentFlowPlaceholderInput, AgentFlowPrediction>(static (_, _) => { }, contractName: null).GetOutputSchema(input);
}
