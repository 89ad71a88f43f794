namespace AgentFlow.MLNet.MLNet;

/// <summary>What to do with a row whose question is missing, empty or only white space.</summary>
public enum InvalidQuestionHandling
{
    /// <summary>Throw, naming the row and the column (the default).</summary>
    Throw,

    /// <summary>
    /// Skip the row: training leaves it out (and counts it in <see cref="AgentFlowTransformer.SkippedQuestions"/>'s
    /// training counterpart, <see cref="AgentFlowEstimator.SkippedRows"/>); Transform keeps it with an empty answer,
    /// no trajectory, 0 turns and 0 tool calls, and counts it in <see cref="AgentFlowTransformer.SkippedQuestions"/>.
    /// </summary>
    Skip,
}
