namespace AgentFlow.MLNet.Rewards;

/// <summary>What a response is scored against.</summary>
/// <param name="Response">The model's final response, free text (it may hold an <c>&lt;answer&gt;</c> tag, a <c>\boxed{}</c>, reasoning...).</param>
/// <param name="GoldAnswers">The accepted answers; a response matching any one of them is right. One entry when there is a single answer.</param>
public sealed record ScoringRequest(string Response, IReadOnlyList<string> GoldAnswers)
{
    /// <summary>The question that was asked; an LLM judge shows it to the judge model. Empty when unknown.</summary>
    public string Question { get; init; } = "";

    /// <summary>The puzzle's numbers for the Game of 24, each to be used exactly once; empty for other tasks.</summary>
    public IReadOnlyList<int> Numbers { get; init; } = [];
}
