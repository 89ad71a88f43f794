namespace AgentFlow.MLNet.Training;

/// <summary>
/// Turns a <see cref="LossAggregation"/> into one weight per turn sample of a mini-batch, shared by all that sample's
/// completion tokens: the step's loss is Σ weight(sample) · loss(token). Because the weights depend only on the
/// mini-batch's layout, they are computed before any forward pass and every micro-batch or logits chunk can sum its
/// own tokens, the parts adding up to the whole mini-batch's loss.
/// </summary>
public static class LossWeights
{
    /// <summary>The weight of each turn of <paramref name="miniBatch"/>, in its order.</summary>
    /// <param name="miniBatch">The turns of one optimizer step.</param>
    /// <param name="aggregation">The aggregation to express.</param>
    /// <param name="maxCompletionTokens">Dr. GRPO's constant divisor (<see cref="FlowGrpoOptions.MaxCompletionTokens"/>).</param>
    public static double[] PerSample(IReadOnlyList<TrainingTurn> miniBatch, LossAggregation aggregation, int maxCompletionTokens)
    {
        ArgumentNullException.ThrowIfNull(miniBatch);
        if (miniBatch.Count == 0)
            throw new ArgumentException("The mini-batch is empty.", nameof(miniBatch));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCompletionTokens);
        var lengths = miniBatch.Select(t => t.Sample.CompletionIds.Count).ToArray();
        if (lengths.Any(l => l == 0))
            throw new ArgumentException("Every turn needs at least one completion token.", nameof(miniBatch));
        var trajectory = miniBatch.Select(t => (t.Sample.GroupIndex, t.Sample.TrajectoryIndex)).ToArray();

        switch (aggregation)
        {
            case LossAggregation.TokenMean:
            {
                double tokens = lengths.Sum(l => (double)l);
                return lengths.Select(_ => 1 / tokens).ToArray();
            }
            case LossAggregation.PaperNested:
            {
                var turnsOf = trajectory.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
                var trajectoriesOf = turnsOf.Keys.GroupBy(k => k.GroupIndex).ToDictionary(g => g.Key, g => g.Count());
                double questions = trajectoriesOf.Count;
                return lengths.Select((l, i) => 1 / ((double)l * turnsOf[trajectory[i]] * trajectoriesOf[trajectory[i].GroupIndex] * questions)).ToArray();
            }
            case LossAggregation.RolloutMean:
            {
                var tokensOf = new Dictionary<(int, int), double>();
                for (int i = 0; i < lengths.Length; i++)
                    tokensOf[trajectory[i]] = tokensOf.GetValueOrDefault(trajectory[i]) + lengths[i];
                double rollouts = tokensOf.Count;
                return trajectory.Select(k => 1 / (tokensOf[k] * rollouts)).ToArray();
            }
            case LossAggregation.SeqMeanTokenSumNorm:
            {
                double divisor = (double)miniBatch.Count * maxCompletionTokens;
                return lengths.Select(_ => 1 / divisor).ToArray();
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "Unknown loss aggregation.");
        }
    }
}
