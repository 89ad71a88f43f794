namespace AgentFlow.MLNet.MLNet;

/// <summary>One question/answer row in the column layout the AgentFlow trainer and transformer expect by default.</summary>
public sealed class AgentFlowQuestion
{
    /// <summary>The question (column <see cref="AgentFlowColumns.Question"/>).</summary>
    public string Question { get; set; } = "";

    /// <summary>The gold answer (column <see cref="AgentFlowColumns.Answer"/>); empty when unknown.</summary>
    public string Answer { get; set; } = "";

    /// <summary>The family or benchmark the row comes from (column <see cref="AgentFlowColumns.Source"/>); empty when none.</summary>
    public string Source { get; set; } = "";
}
