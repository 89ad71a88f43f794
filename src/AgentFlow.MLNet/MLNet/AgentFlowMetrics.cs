namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// How well an AgentFlow model answered a scored dataset, in the style of ML.NET's metrics classes
/// (<c>mlContext.AgentFlow().Evaluate(...)</c>).
/// </summary>
public sealed class AgentFlowMetrics
{
    internal AgentFlowMetrics(long count, double accuracy, IReadOnlyDictionary<string, double> perSourceAccuracy, double meanTurns,
        double toolCallErrorRate, double meanLatencyMs, double meanReward)
    {
        Count = count;
        Accuracy = accuracy;
        PerSourceAccuracy = perSourceAccuracy;
        MeanTurns = meanTurns;
        ToolCallErrorRate = toolCallErrorRate;
        MeanLatencyMs = meanLatencyMs;
        MeanReward = meanReward;
    }

    /// <summary>Rows evaluated.</summary>
    public long Count { get; }

    /// <summary>The share of rows whose answer scored 1.</summary>
    public double Accuracy { get; }

    /// <summary>Accuracy per value of the source column (empty when no source column was named).</summary>
    public IReadOnlyDictionary<string, double> PerSourceAccuracy { get; }

    /// <summary>Planner turns per row.</summary>
    public double MeanTurns { get; }

    /// <summary>Failed tool calls (unknown tool, malformed call, tool error) over tool calls; NaN when no tool was called.</summary>
    public double ToolCallErrorRate { get; }

    /// <summary>Wall time per row, in milliseconds.</summary>
    public double MeanLatencyMs { get; }

    /// <summary>The mean score in [0, 1] (equal to <see cref="Accuracy"/> for a right/wrong scorer).</summary>
    public double MeanReward { get; }
}
