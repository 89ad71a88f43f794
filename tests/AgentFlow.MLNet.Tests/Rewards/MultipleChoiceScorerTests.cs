using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Tests.Rewards;

public class MultipleChoiceScorerTests
{
    private readonly MultipleChoiceScorer scorer = new();

    [Theory]
    [InlineData("<answer>B</answer>")]
    [InlineData("<answer>(B)</answer>")]
    [InlineData("<answer>b.</answer>")]
    [InlineData("<answer>**B**</answer>")]
    [InlineData("<answer>B) 42 apples</answer>")]
    [InlineData("After checking, the answer is B.")]
    [InlineData("Answer: (B)")]
    [InlineData("I pick option B because (A) is too small")]
    [InlineData("Between (A) and (B), only (B) works")]
    public async Task The_chosen_letter_is_read(string response) =>
        Assert.Equal(1, (await scorer.ScoreAsync(new ScoringRequest(response, ["B"]))).Score);

    [Theory]
    [InlineData("<answer>C</answer>")]
    [InlineData("the answer is a dog")]
    [InlineData("<answer>F</answer>")]
    public async Task Another_or_no_letter_scores_zero(string response) =>
        Assert.Equal(0, (await scorer.ScoreAsync(new ScoringRequest(response, ["B"]))).Score);

    [Fact]
    public async Task Gold_may_be_written_as_an_option_label()
    {
        var result = await scorer.ScoreAsync(new ScoringRequest("<answer>D</answer>", ["(D)"]));

        Assert.Equal(1, result.Score);
    }

    [Fact]
    public async Task A_gold_that_is_no_option_is_an_argument_error() =>
        await Assert.ThrowsAsync<ArgumentException>(async () => await scorer.ScoreAsync(new ScoringRequest("A", ["Paris"])));

    [Fact]
    public void Choices_must_be_capital_letters() =>
        Assert.Throws<ArgumentException>(() => new MultipleChoiceScorer("ab"));
}
