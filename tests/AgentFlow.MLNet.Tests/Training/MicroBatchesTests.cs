using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Tests.Training;

public sealed class MicroBatchesTests
{
    private static TrainingTurn Turn(int group, int promptLength, int completionLength, double temperature = 0.7) =>
        new(new PlannerTurnSample(group, 0, 0, new int[promptLength], new int[completionLength], new float[completionLength], temperature), 1.0);

    [Fact]
    public void MiniBatchesHoldEveryTurnOfConsecutiveQuestions()
    {
        TrainingTurn[] turns = [Turn(2, 1, 1), Turn(0, 1, 1), Turn(1, 1, 1), Turn(0, 1, 1), Turn(3, 1, 1)];

        Assert.Equal([[1, 2, 3], [0, 4]], MicroBatches.MiniBatches(turns, questionsPerMiniBatch: 2));
        Assert.Equal([[0, 1, 2, 3, 4]], MicroBatches.MiniBatches(turns, questionsPerMiniBatch: 0));
    }

    [Fact]
    public void MicroBatchesStayWithinTheTokenBudgetAndOneTemperature()
    {
        TrainingTurn[] turns = [Turn(0, 4, 2), Turn(0, 10, 5), Turn(0, 3, 1), Turn(0, 2, 2), Turn(0, 40, 10), Turn(0, 3, 3, temperature: 1.0)];
        var samples = turns.Select(t => t.Sample).ToList();

        var micro = MicroBatches.Pack([0, 1, 2, 3, 4, 5], samples, tokenBudget: 30);

        // Longest first: 50 tokens alone (over the budget); 15 and 6 fill 2 × 15 = 30; 4 and 4; the other temperature alone.
        Assert.Equal([[4], [1, 0], [2, 3], [5]], micro);
        foreach (var batch in micro)
            Assert.True(batch.Count == 1 || batch.Count * batch.Max(i => samples[i].PromptIds.Count + samples[i].CompletionIds.Count) <= 30);
    }
}
