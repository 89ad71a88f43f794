namespace AgentFlow.MLNet.MLNet;

/// <summary>The added columns as a class, for <c>PredictionEngine</c> and <c>CreateEnumerable</c>.</summary>
public sealed class AgentFlowPrediction
{
    /// <summary>See <see cref="AgentFlowColumns.PredictedAnswer"/>.</summary>
    public string PredictedAnswer { get; set; } = "";

    /// <summary>See <see cref="AgentFlowColumns.Trajectory"/>; <c>Trajectory.FromJson</c> reads it.</summary>
    public string Trajectory { get; set; } = "";

    /// <summary>See <see cref="AgentFlowColumns.Turns"/>.</summary>
    public int Turns { get; set; }

    /// <summary>See <see cref="AgentFlowColumns.ToolCalls"/>.</summary>
    public int ToolCalls { get; set; }

    /// <summary>See <see cref="AgentFlowColumns.ToolErrors"/>.</summary>
    public int ToolErrors { get; set; }

    /// <summary>See <see cref="AgentFlowColumns.LatencyMs"/>.</summary>
    public double LatencyMs { get; set; }
}

/// <summary>
/// The added columns of a transformer with a label column: <see cref="AgentFlowPrediction"/>'s plus the reward, last
/// (declared again rather than inherited, because ML.NET orders inherited properties after new ones).
/// </summary>
public sealed class AgentFlowScoredPrediction
{
    /// <summary>See <see cref="AgentFlowColumns.PredictedAnswer"/>.</summary>
    public string PredictedAnswer { get; set; } = "";

    /// <summary>See <see cref="AgentFlowColumns.Trajectory"/>; <c>Trajectory.FromJson</c> reads it.</summary>
    public string Trajectory { get; set; } = "";

    /// <summary>See <see cref="AgentFlowColumns.Turns"/>.</summary>
    public int Turns { get; set; }

    /// <summary>See <see cref="AgentFlowColumns.ToolCalls"/>.</summary>
    public int ToolCalls { get; set; }

    /// <summary>See <see cref="AgentFlowColumns.ToolErrors"/>.</summary>
    public int ToolErrors { get; set; }

    /// <summary>See <see cref="AgentFlowColumns.LatencyMs"/>.</summary>
    public double LatencyMs { get; set; }

    /// <summary>See <see cref="AgentFlowColumns.Reward"/>.</summary>
    public float Reward { get; set; }
}
