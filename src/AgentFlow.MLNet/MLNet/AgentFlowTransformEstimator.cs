using AgentFlow.MLNet.Models.Hosting;
using Microsoft.ML;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// Applies a base or already-trained model without training: <see cref="Fit"/> only loads the model (nothing is
/// learned from the data) and checks the schema, so the agent can sit in an estimator chain after ordinary ML.NET
/// transforms. Made by <c>mlContext.AgentFlow().Transforms.AgentFlow(...)</c>.
/// </summary>
public sealed class AgentFlowTransformEstimator : IEstimator<AgentFlowTransformer>
{
    private readonly MLContext _mlContext;
    private readonly AgentFlowModelSource _model;
    private readonly AgentFlowTransformOptions _options;
    private readonly TorchSharp.torch.Device? _device;

    internal AgentFlowTransformEstimator(MLContext mlContext, AgentFlowModelSource model, AgentFlowTransformOptions options, TorchSharp.torch.Device? device)
    {
        _mlContext = mlContext ?? throw new ArgumentNullException(nameof(mlContext));
        _model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _device = device;
    }

    /// <summary>Checks the question (and, when present, label) column and returns the input plus the added columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing, a vector or not text; the message names it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        AgentFlowSchema.RequireText(inputSchema, _options.QuestionColumnName, "question column (QuestionColumnName)");
        bool scored = _options.LabelColumnName is { } label && inputSchema.Any(c => c.Name == label);
        if (scored)
            AgentFlowSchema.RequireText(inputSchema, _options.LabelColumnName!, "label column (LabelColumnName)");
        return AgentFlowShapes.Output(_mlContext, inputSchema, scored);
    }

    /// <summary>Loads the model and returns the transformer, which owns it.</summary>
    public AgentFlowTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        AgentFlowSchema.RequireText(input.Schema, _options.QuestionColumnName, "question column (QuestionColumnName)");
        var local = _model.Load(_device);
        try
        {
            return new AgentFlowTransformer(new AgentFlowPipeline(new ModelHost(local, ownsModel: true), ownsHost: true, _options));
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }
}
