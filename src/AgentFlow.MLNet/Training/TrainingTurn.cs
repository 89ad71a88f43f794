namespace AgentFlow.MLNet.Training;

/// <summary>A planner turn to train on, with the advantage that every one of its completion tokens carries.</summary>
/// <param name="Sample">The planner turn as sampled.</param>
/// <param name="Advantage">Its trajectory's advantage (see <see cref="GroupAdvantages"/>); finite.</param>
public sealed record TrainingTurn(PlannerTurnSample Sample, double Advantage);
