namespace AgentFlow.MLNet.MLNet;

/// <summary>What to do with a row whose question is missing, empty or only white space.</summary>
public enum InvalidQuestionHandling
{
    /// <summary>Throw, naming the row and the column (the default).</summary>
    Throw,

    /// <summary>
    /// Skip the row: training leaves it out (counted in <see cref="AgentFlowTransformer.SkippedTrainingRows"/>);
    /// Transform keeps it with an empty answer, no trajectory, 0 turns and 0 tool calls (counted in
    /// <see cref="AgentFlowTransformer.SkippedQuestions"/>).
    /// </summary>
    Skip,
}
