using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Tests.Rewards;

public class NumericScorerTests
{
    private readonly NumericScorer scorer = new();

    [Theory]
    [InlineData("1,234", "1234")]
    [InlineData("-3.5", "-3.5")]
    [InlineData("−3.5", "-3.5")]
    [InlineData("3/4", "0.75")]
    [InlineData(@"\frac{3}{4}", "0.75")]
    [InlineData(@"-\dfrac{3}{4}", "-0.75")]
    [InlineData("$12", "12")]
    [InlineData(@"\$12.50", "12.5")]
    [InlineData("12%", "0.12")]
    [InlineData("12%", "12")]
    [InlineData(@"12\%", "12")]
    [InlineData("42.0", "42")]
    [InlineData("42.", "42")]
    [InlineData("$x = 27$", "27")]
    [InlineData(@"\boxed{33}", "33")]
    [InlineData("27 miles", "27")]
    [InlineData("1{,}000", "1000")]
    [InlineData("90^\\circ", "90")]
    public async Task Equivalent_forms_match(string answer, string gold)
    {
        var result = await scorer.ScoreAsync(new ScoringRequest($"<answer>{answer}</answer>", [gold]));

        Assert.True(result.Score == 1, result.Reason);
    }

    [Theory]
    [InlineData("1,235", "1234")]
    [InlineData("3.5", "-3.5")]
    [InlineData("4/3", "0.75")]
    [InlineData("42.001", "42")]
    [InlineData("12%", "1.2")]
    [InlineData(@"\boxed{5\sqrt{2}}", "2")]
    [InlineData("25 m^2", "2")]
    [InlineData(@"3 \times 10", "10")]
    public async Task Different_numbers_do_not_match(string answer, string gold)
    {
        var result = await scorer.ScoreAsync(new ScoringRequest($"<answer>{answer}</answer>", [gold]));

        Assert.True(result.Score == 0, result.Reason);
    }

    [Fact]
    public async Task Tolerance_is_relative_to_magnitude()
    {
        var loose = new NumericScorer(relativeTolerance: 1e-2);

        Assert.Equal(1, (await loose.ScoreAsync(new ScoringRequest("1005", ["1000"]))).Score);
        Assert.Equal(0, (await loose.ScoreAsync(new ScoringRequest("1011", ["1000"]))).Score);
        Assert.Equal(0, (await scorer.ScoreAsync(new ScoringRequest("1005", ["1000"]))).Score);
    }

    [Fact]
    public async Task Text_without_a_number_scores_zero_with_the_reason()
    {
        var result = await scorer.ScoreAsync(new ScoringRequest("<answer>I do not know</answer>", ["5"]));

        Assert.Equal(0, result.Score);
        Assert.Contains("no number", result.Reason);
    }

    [Fact]
    public async Task A_gold_answer_that_is_not_a_number_is_an_argument_error() =>
        await Assert.ThrowsAsync<ArgumentException>(async () => await scorer.ScoreAsync(new ScoringRequest("5", ["five"])));

    [Fact]
    public void Negative_tolerances_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumericScorer(relativeTolerance: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumericScorer(absoluteTolerance: double.PositiveInfinity));
    }
}
