using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Tests.Rewards;

public class MultipleChoiceScorerTests
{
    private readonly MultipleChoiceScorer scorer = new();

    /// <summary>The options a response is credited for: every letter whose gold it scores 1 against. A choice is read as exactly one.</summary>
    private static async Task<string> CreditedLetters(MultipleChoiceScorer scorer, string response)
    {
        var credited = new List<char>();
        foreach (char letter in scorer.Choices)
        {
            if ((await scorer.ScoreAsync(new ScoringRequest(response, [letter.ToString()]))).Score == 1)
                credited.Add(letter);
        }
        return new string([.. credited]);
    }

    [Theory]
    // A letter standing alone, however it is decorated.
    [InlineData("<answer>B</answer>", "B")]
    [InlineData("<answer>(B)</answer>", "B")]
    [InlineData("<answer>b.</answer>", "B")]
    [InlineData("<answer>**B**</answer>", "B")]
    [InlineData("The final answer is $\\boxed{C}$.", "C")]
    [InlineData("So we get \\boxed{\\text{D}}", "D")]
    [InlineData("  E  ", "E")]
    // A label in front of the option's text.
    [InlineData("<answer>B) 42 apples</answer>", "B")]
    [InlineData("<answer>A: the second one</answer>", "A")]
    [InlineData("<answer>(A) A large dog</answer>", "A")]
    [InlineData("<answer>A. Paris</answer>", "A")]
    // An answer phrase.
    [InlineData("After checking, the answer is B.", "B")]
    [InlineData("Answer: (B)", "B")]
    [InlineData("The correct answer is **C**, since 7 > 5.", "C")]
    [InlineData("The answer is A because the dog is the largest.", "A")]
    [InlineData("The answer is A, a large dog.", "A")]
    [InlineData("Option A is too small and option D is too large, so the answer is C", "C")]
    [InlineData("I pick option B because (A) is too small", "B")]
    [InlineData("The answer would be D\nThe others contradict the passage.", "D")]
    [InlineData("I think B", "B")]
    [InlineData("Between (A) and (B), only (B) works", "B")]
    // Capitals that are words, not choices: the article A, the pronoun I, a letter inside a word or name.
    [InlineData("The answer is A large dog.", "")]
    [InlineData("<answer>A large dog</answer>", "")]
    [InlineData("Answer: A dog, since it barks.", "")]
    [InlineData("In short, my answer: A small cat.", "")]
    [InlineData("It's A lot like option D.", "D")]
    [InlineData("A.I. systems are trained on text.", "")]
    [InlineData("I think A lot of people get this wrong.", "")]
    [InlineData("the answer is a dog", "")]
    [InlineData("A's value is larger than B's.", "")]
    [InlineData("<answer>C++</answer>", "")]
    [InlineData("<answer>Vitamin C</answer>", "")]
    [InlineData("<answer>F</answer>", "")]
    public async Task Only_a_letter_that_stands_as_a_choice_is_read(string response, string expected) =>
        Assert.Equal(expected, await CreditedLetters(scorer, response));

    [Theory]
    [InlineData("The answer is I.", "I")]
    [InlineData("<answer>I</answer>", "I")]
    [InlineData("I think I", "I")]
    [InlineData("I think J", "J")]
    [InlineData("I think I should pick (H).", "H")]
    [InlineData("I believe it is G", "G")]
    public async Task With_ten_options_the_pronoun_I_is_still_no_choice(string response, string expected) =>
        Assert.Equal(expected, await CreditedLetters(new MultipleChoiceScorer("ABCDEFGHIJ"), response));

    [Fact]
    public async Task A_response_without_a_choice_says_so()
    {
        var result = await scorer.ScoreAsync(new ScoringRequest("The answer is A large dog.", ["A"]));

        Assert.Equal(0, result.Score);
        Assert.StartsWith("no option letter (ABCDE)", result.Reason);
    }

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
