namespace AgentFlow.MLNet.Rewards.Extraction;

/// <summary>
/// Finds the final answer inside a model's free-text response. Extractors are pure functions of the text,
/// stateless and safe to share; combine them with <see cref="AnswerExtractors.FirstOf"/>.
/// </summary>
public interface IAnswerExtractor
{
    /// <summary>The answer found in <paramref name="response"/>, trimmed, or null when this extractor finds none.</summary>
    string? Extract(string response);
}
