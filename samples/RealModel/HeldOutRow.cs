namespace RealModel;

/// <summary>One held-out question after the AgentFlow transform: the input columns and the ones it adds, as ML.NET names them.</summary>
internal sealed class HeldOutRow
{
    public string Question { get; set; } = "";

    public string Answer { get; set; } = "";

    public string Source { get; set; } = "";

    public string PredictedAnswer { get; set; } = "";

    public string Trajectory { get; set; } = "";

    public int Turns { get; set; }

    public int ToolCalls { get; set; }

    public int ToolErrors { get; set; }

    public double LatencyMs { get; set; }

    public float Reward { get; set; }
}
