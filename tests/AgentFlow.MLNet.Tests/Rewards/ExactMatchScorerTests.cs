using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Tests.Rewards;

public class ExactMatchScorerTests
{
    private readonly ExactMatchScorer scorer = new();

    [Theory]
    [InlineData("The Beatles", "beatles")]
    [InlineData("  JAMES   madison. ", "james madison")]
    [InlineData("323–272 BC", "323272 bc")]
    [InlineData("an apple a day", "apple day")]
    [InlineData("$72,641", "72641")]
    [InlineData(@"\boxed{Paris}", "paris")]
    [InlineData("Gülçiçek Hatun", "gülçiçek hatun")]
    public void Normalization_follows_squad(string answer, string expected) =>
        Assert.Equal(expected, AnswerNormalizer.Normalize(answer));

    [Fact]
    public async Task Any_alias_matches()
    {
        var request = new ScoringRequest("<answer>the USA</answer>", ["United States", "USA"]);

        var result = await scorer.ScoreAsync(request);

        Assert.Equal(1, result.Score);
        Assert.Equal("the USA", result.Extracted);
        Assert.Contains("USA", result.Reason);
    }

    [Fact]
    public async Task A_different_answer_scores_zero_and_says_why()
    {
        var result = await scorer.ScoreAsync(new ScoringRequest("<answer>John Adams</answer>", ["James Madison"]));

        Assert.Equal(0, result.Score);
        Assert.Equal("John Adams", result.Extracted);
        Assert.Contains("James Madison", result.Reason);
    }

    [Fact]
    public async Task A_partial_answer_is_not_a_match()
    {
        var result = await scorer.ScoreAsync(new ScoringRequest("<answer>Madison</answer>", ["James Madison"]));

        Assert.Equal(0, result.Score);
    }

    [Fact]
    public async Task A_blank_response_scores_zero_with_no_extraction()
    {
        var result = await scorer.ScoreAsync(new ScoringRequest("   ", ["x"]));

        Assert.Equal(0, result.Score);
        Assert.Null(result.Extracted);
    }

    [Fact]
    public async Task Missing_gold_answers_are_an_argument_error() =>
        await Assert.ThrowsAsync<ArgumentException>(async () => await scorer.ScoreAsync(new ScoringRequest("<answer>x</answer>", [])));

    [Fact]
    public async Task A_cancelled_token_is_honoured() =>
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await scorer.ScoreAsync(new ScoringRequest("x", ["x"]), new CancellationToken(canceled: true)));

    [Fact]
    public void A_score_outside_zero_to_one_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScoreResult(1.5, null, "too high"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScoreResult(double.NaN, null, "not a number"));
    }
}
