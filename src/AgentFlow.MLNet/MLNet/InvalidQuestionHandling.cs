namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// What to do with a row whose question is missing, empty, only white space, or not Unicode text (it holds a lone UTF-16
/// surrogate, which no tokenizer encodes faithfully). Any other text is solved as given.
/// </summary>
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
