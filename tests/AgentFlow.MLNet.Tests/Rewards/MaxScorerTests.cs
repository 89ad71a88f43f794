using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Tests.Rewards;

public class MaxScorerTests
{
    [Fact]
    public async Task The_judge_is_asked_only_when_exact_match_fails()
    {
        var client = new ScriptedChatClient("Analysis: same city.\nVerdict: true");
        var scorer = new MaxScorer(new ExactMatchScorer(), new LlmJudgeScorer(client));

        var exact = await scorer.ScoreAsync(new ScoringRequest("<answer>Paris</answer>", ["Paris"]));
        Assert.Equal(1, exact.Score);
        Assert.Empty(client.Requests);

        var judged = await scorer.ScoreAsync(new ScoringRequest("<answer>Paris, France</answer>", ["Paris"]));
        Assert.Equal(1, judged.Score);
        Assert.StartsWith("judge verdict true", judged.Reason);
        Assert.Single(client.Requests);
    }

    [Fact]
    public async Task When_none_succeeds_the_first_best_result_is_returned()
    {
        var scorer = new MaxScorer(new ExactMatchScorer(), new NumericScorer());

        var result = await scorer.ScoreAsync(new ScoringRequest("<answer>7</answer>", ["8"]));

        Assert.Equal(0, result.Score);
        Assert.Contains("matches none", result.Reason);
    }

    [Fact]
    public void Needs_at_least_one_scorer() => Assert.Throws<ArgumentException>(() => new MaxScorer());
}
