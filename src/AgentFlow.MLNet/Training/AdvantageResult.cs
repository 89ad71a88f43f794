namespace AgentFlow.MLNet.Training;

/// <summary>The turns to train on, each with its advantage, and what the computation counted.</summary>
/// <param name="Turns">Kept turn samples in their input order (left out: failed, non-finite and dropped trajectories' samples).</param>
/// <param name="Statistics">Counts and reward summaries of the step.</param>
public sealed record AdvantageResult(IReadOnlyList<TrainingTurn> Turns, AdvantageStatistics Statistics);
