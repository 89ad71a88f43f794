using AgentFlow.MLNet.Agent.Trajectories;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>How a planner did on a split: greedy trajectories and the share answered right, overall and per family.</summary>
/// <param name="Questions">The questions, in split order.</param>
/// <param name="Trajectories">One greedy trajectory per question.</param>
/// <param name="Correct">Whether each answer scored 1.</param>
public sealed record MiniEvaluation(IReadOnlyList<MiniQuestion> Questions, IReadOnlyList<Trajectory> Trajectories, IReadOnlyList<bool> Correct)
{
    /// <summary>The share of questions answered right.</summary>
    public double Accuracy => Correct.Count == 0 ? double.NaN : Correct.Count(c => c) / (double)Correct.Count;

    /// <summary>The share answered right within each family.</summary>
    public IReadOnlyDictionary<string, double> AccuracyByFamily =>
        Questions.Select((q, i) => (q.Family, Correct[i])).GroupBy(p => p.Family).ToDictionary(g => g.Key, g => g.Count(p => p.Item2) / (double)g.Count());
}
