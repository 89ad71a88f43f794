using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Training;

/// <summary>One question the planner is trained on, with what counts as a right answer.</summary>
/// <param name="Question">The question as posed to the agent.</param>
/// <param name="Answers">Gold answers (aliases); the scorer decides how they are compared.</param>
public sealed record TrainingExample(string Question, IReadOnlyList<string> Answers)
{
    /// <summary>The family or benchmark the row comes from, for per-source rewards and metrics. Default null.</summary>
    public string? Source { get; init; }

    /// <summary>This row's own scorer (a benchmark's), overriding the trainer's. Default null.</summary>
    public IAnswerScorer? Scorer { get; init; }

    /// <summary>Numbers a checker needs (Game of 24's four numbers). Default none.</summary>
    public IReadOnlyList<int> Numbers { get; init; } = [];
}
