namespace AgentFlow.MLNet.MLNet;

/// <summary>The names of the columns an <see cref="AgentFlowTransformer"/> adds, and the input names it expects by default.</summary>
public static class AgentFlowColumns
{
    /// <summary>Default input column holding the question (text).</summary>
    public const string Question = "Question";

    /// <summary>Default input column holding the gold answer (text) for training and evaluation.</summary>
    public const string Answer = "Answer";

    /// <summary>
    /// Input column naming each row's family or benchmark (text), as <see cref="AgentFlowQuestion"/> and the data loaders
    /// write it; pass it as a source column name for per-source metrics.
    /// </summary>
    public const string Source = "Source";

    /// <summary>The final answer (text).</summary>
    public const string PredictedAnswer = "PredictedAnswer";

    /// <summary>The whole trajectory as JSON (text; <c>Trajectory.FromJson</c> reads it back).</summary>
    public const string Trajectory = "Trajectory";

    /// <summary>Planner turns taken (int).</summary>
    public const string Turns = "Turns";

    /// <summary>Tool calls made (int).</summary>
    public const string ToolCalls = "ToolCalls";

    /// <summary>Tool calls that failed or could not be made: unknown tool, malformed call, tool error (int).</summary>
    public const string ToolErrors = "ToolErrors";

    /// <summary>Wall time to solve the row, in milliseconds (double).</summary>
    public const string LatencyMs = "LatencyMs";

    /// <summary>The answer's reward in [0, 1] against the label column (float); only when a label column is set and present.</summary>
    public const string Reward = "Reward";
}
