namespace AgentFlow.MLNet.Training;

/// <summary>
/// Group-relative advantages: A = (r − mean_group) / (std_group + ε), one number per trajectory, broadcast to every
/// completion token of every planner turn of that trajectory. Which rewards form a group and what the centred reward
/// is divided by follow <see cref="FlowGrpoOptions.AdvantageGrouping"/> and <see cref="FlowGrpoOptions.ScaleRewards"/>.
/// </summary>
public static class GroupAdvantages
{
    /// <summary>
    /// Computes the advantage of every planner turn sample. Trajectories that failed for infrastructure reasons or whose
    /// reward is not finite are left out of their group (neither scored nor trained on) and counted. A group whose
    /// scored rewards are all equal, or that has a single scored trajectory, has no baseline to learn from: its
    /// advantages are 0, it is counted, and it is dropped when <see cref="FlowGrpoOptions.DropZeroVarianceGroups"/> says so.
    /// </summary>
    /// <param name="outcomes">One outcome per trajectory of the step; (group, trajectory) pairs must be unique.</param>
    /// <param name="samples">Every planner turn sample of the step; each must belong to a trajectory in <paramref name="outcomes"/>.</param>
    /// <param name="options">The training options; validated here.</param>
    public static AdvantageResult Compute(IReadOnlyList<TrajectoryOutcome> outcomes, IReadOnlyList<PlannerTurnSample> samples, FlowGrpoOptions options)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var outcomeOf = new Dictionary<(int, int), TrajectoryOutcome>();
        for (int i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i] ?? throw new ArgumentException($"Outcome {i} is null.", nameof(outcomes));
            if (!outcomeOf.TryAdd((outcome.GroupIndex, outcome.TrajectoryIndex), outcome))
                throw new ArgumentException($"Outcome {i} repeats group {outcome.GroupIndex}, trajectory {outcome.TrajectoryIndex}.", nameof(outcomes));
        }
        var samplesOf = new Dictionary<(int, int), List<PlannerTurnSample>>();
        for (int i = 0; i < samples.Count; i++)
        {
            var sample = samples[i] ?? throw new ArgumentException($"Sample {i} is null.", nameof(samples));
            var key = (sample.GroupIndex, sample.TrajectoryIndex);
            if (!outcomeOf.ContainsKey(key))
                throw new ArgumentException($"Sample {i} belongs to group {sample.GroupIndex}, trajectory {sample.TrajectoryIndex}, which has no outcome.", nameof(samples));
            if (!samplesOf.TryGetValue(key, out var list))
                samplesOf[key] = list = [];
            list.Add(sample);
        }

        var scored = outcomes.Where(o => !o.IsInfrastructureFailure && double.IsFinite(o.Reward)).ToList();
        // Each scored trajectory's reward enters its group once (trajectory grouping) or once per turn sample.
        int Weight(TrajectoryOutcome o) => options.AdvantageGrouping == AdvantageGrouping.Trajectory
            ? 1
            : samplesOf.GetValueOrDefault((o.GroupIndex, o.TrajectoryIndex))?.Count ?? 0;
        var groups = scored.GroupBy(o => o.GroupIndex).ToDictionary(g => g.Key, g => g.ToList());
        double batchStd = UnbiasedStd(scored.SelectMany(o => Enumerable.Repeat(o.Reward, Weight(o))).ToList());

        var advantageOf = new Dictionary<(int, int), double>();
        int zeroVariance = 0, dropped = 0;
        foreach (var (_, members) in groups.OrderBy(g => g.Key))
        {
            var values = members.SelectMany(o => Enumerable.Repeat(o.Reward, Weight(o))).ToList();
            bool flat = values.Count < 2 || values.Max() == values.Min();
            if (flat)
            {
                zeroVariance++;
                if (options.DropZeroVarianceGroups)
                {
                    dropped++;
                    continue;
                }
            }
            double mean = values.Count == 0 ? 0 : values.Average();
            double scale = options.ScaleRewards switch
            {
                RewardScaling.Group => UnbiasedStd(values) + options.AdvantageEpsilon,
                RewardScaling.Batch => batchStd + options.AdvantageEpsilon,
                _ => 1,
            };
            foreach (var member in members)
                advantageOf[(member.GroupIndex, member.TrajectoryIndex)] = flat ? 0 : (member.Reward - mean) / scale;
        }

        var turns = samples
            .Where(s => advantageOf.ContainsKey((s.GroupIndex, s.TrajectoryIndex)))
            .Select(s => new TrainingTurn(s, advantageOf[(s.GroupIndex, s.TrajectoryIndex)]))
            .ToList();
        return new AdvantageResult(turns, Summarise(outcomes, scored, samplesOf, zeroVariance, dropped, turns.Count));
    }

    private static AdvantageStatistics Summarise(
        IReadOnlyList<TrajectoryOutcome> outcomes,
        List<TrajectoryOutcome> scored,
        Dictionary<(int, int), List<PlannerTurnSample>> samplesOf,
        int zeroVariance,
        int dropped,
        int trainingTurns)
    {
        var rewards = scored.Select(o => o.Reward).ToList();
        double mean = rewards.Count == 0 ? double.NaN : rewards.Average();
        double std = rewards.Count == 0 ? double.NaN : Math.Sqrt(rewards.Sum(r => (r - mean) * (r - mean)) / rewards.Count);
        var bySource = scored
            .Select(o => (Outcome: o, Source: samplesOf.GetValueOrDefault((o.GroupIndex, o.TrajectoryIndex))?.FirstOrDefault(s => s.Source is not null)?.Source))
            .Where(x => x.Source is not null)
            .GroupBy(x => x.Source!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Average(x => x.Outcome.Reward), StringComparer.Ordinal);
        return new AdvantageStatistics(
            Groups: outcomes.Select(o => o.GroupIndex).Distinct().Count(),
            ScoredTrajectories: scored.Count,
            InfrastructureFailures: outcomes.Count(o => o.IsInfrastructureFailure),
            NonFiniteRewards: outcomes.Count(o => !o.IsInfrastructureFailure && !double.IsFinite(o.Reward)),
            ZeroVarianceGroups: zeroVariance,
            DroppedGroups: dropped,
            RewardMean: mean,
            RewardStd: std,
            MeanTurns: scored.Count == 0 ? double.NaN : scored.Average(o => (double)o.TurnCount),
            RewardMeanBySource: bySource,
            TrainingTurns: trainingTurns);
    }

    /// <summary>Sample (n − 1) standard deviation, as torch.std computes it; 0 for fewer than two values.</summary>
    private static double UnbiasedStd(IReadOnlyList<double> values)
    {
        if (values.Count < 2)
            return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
