namespace AgentFlow.MLNet.Training;

/// <summary>Cuts a training step's turns into mini-batches (one optimizer step each) and those into micro-batches (one forward/backward each).</summary>
internal static class MicroBatches
{
    /// <summary>
    /// Indices of the turns of each mini-batch: all turns of <paramref name="questionsPerMiniBatch"/> consecutive
    /// questions (in ascending group order), or of all questions when it is 0.
    /// </summary>
    internal static List<List<int>> MiniBatches(IReadOnlyList<TrainingTurn> turns, int questionsPerMiniBatch)
    {
        var groups = turns.Select(t => t.Sample.GroupIndex).Distinct().Order().ToList();
        int size = questionsPerMiniBatch == 0 ? groups.Count : questionsPerMiniBatch;
        var batchOf = groups.Select((g, i) => (g, i / size)).ToDictionary(x => x.g, x => x.Item2);
        var result = Enumerable.Range(0, (groups.Count + size - 1) / size).Select(_ => new List<int>()).ToList();
        for (int i = 0; i < turns.Count; i++)
            result[batchOf[turns[i].Sample.GroupIndex]].Add(i);
        return result;
    }

    /// <summary>
    /// Packs <paramref name="indices"/> into micro-batches of one temperature whose padded size (rows × longest prompt +
    /// completion) stays within <paramref name="tokenBudget"/>. Longest first, so rows of similar length share a batch and
    /// little is padded; a turn longer than the budget forms a micro-batch alone. The packing is deterministic.
    /// </summary>
    internal static List<List<int>> Pack(IReadOnlyList<int> indices, IReadOnlyList<PlannerTurnSample> samples, int tokenBudget)
    {
        int Length(int i) => samples[i].PromptIds.Count + samples[i].CompletionIds.Count;
        var result = new List<List<int>>();
        foreach (var sameTemperature in indices.GroupBy(i => samples[i].Temperature).OrderBy(g => g.Key))
        {
            List<int>? current = null;
            int longest = 0;
            foreach (int i in sameTemperature.OrderByDescending(Length).ThenBy(i => i))
            {
                // Longest first: the first row of a micro-batch fixes its padded width.
                if (current is not null && (long)(current.Count + 1) * longest <= tokenBudget)
                {
                    current.Add(i);
                    continue;
                }
                current = [i];
                longest = Length(i);
                result.Add(current);
            }
        }
        return result;
    }
}
