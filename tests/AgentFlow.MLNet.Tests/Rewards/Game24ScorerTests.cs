using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Tests.Rewards;

public class Game24ScorerTests
{
    private readonly Game24Scorer scorer = new();

    private static ScoringRequest Puzzle(string response, params int[] numbers) => new(response, []) { Numbers = numbers };

    private async Task<ScoreResult> Score(string response, params int[] numbers) => await scorer.ScoreAsync(Puzzle(response, numbers));

    [Fact]
    public async Task Every_listed_solution_of_every_shipped_puzzle_is_accepted()
    {
        var set = BenchmarkLoader.Load(BenchmarkCatalog.GameOf24);
        int checkedSolutions = 0;

        foreach (var item in set.Items)
        {
            foreach (string solution in item.GoldAnswers)
            {
                var result = await item.ScoreAsync($"<answer>{solution}</answer>");
                Assert.True(result.Score == 1, $"pid {item.Id} [{string.Join(",", item.Numbers)}] '{solution}': {result.Reason}");
                checkedSolutions++;
            }
        }

        Assert.Equal(300, set.Items.Count);
        Assert.True(checkedSolutions > 300);
    }

    [Fact]
    public async Task Every_shipped_puzzle_rejects_a_reused_number_a_missing_number_a_wrong_result_and_garbage()
    {
        foreach (var item in BenchmarkLoader.Load(BenchmarkCatalog.GameOf24).Items)
        {
            var numbers = item.Numbers;
            string sum = string.Join("+", numbers), product = string.Join("*", numbers);
            string[] wrong =
            [
                $"({item.GoldAnswers[0]})+{numbers[0]}-{numbers[0]}",
                string.Join("+", numbers.Skip(1)),
                numbers.Sum() == 24 ? product : sum,
                "I give up",
            ];
            foreach (string answer in wrong)
            {
                var result = await item.ScoreAsync($"<answer>{answer}</answer>");
                Assert.True(result.Score == 0, $"pid {item.Id} '{answer}' was accepted: {result.Reason}");
            }
        }
    }

    [Theory]
    [InlineData("8/(3-8/3)", 3, 3, 8, 8)]
    [InlineData("(1+1+1)*8", 1, 1, 1, 8)]
    [InlineData("(1 + 1 + 1) x 8", 1, 1, 1, 8)]
    [InlineData("(1+1+1) X 8", 1, 1, 1, 8)]
    [InlineData(@"$(1+1+1) \times 8$", 1, 1, 1, 8)]
    [InlineData(@"\boxed{(1+1+1) \cdot 8}", 1, 1, 1, 8)]
    [InlineData("(1+1+1)·8 = 24", 1, 1, 1, 8)]
    [InlineData("24 = 8 × (1+1+1)", 1, 1, 1, 8)]
    [InlineData("[13 − 1] × (3 − 1)", 1, 1, 3, 13)]
    [InlineData("(12 ÷ 3) × 6 − 0", 0, 3, 6, 12)]
    [InlineData(@"\frac{8}{3 - \frac{8}{3}}", 3, 3, 8, 8)]
    public async Task Correct_expressions_in_any_accepted_notation_score_one(string expression, params int[] numbers)
    {
        var result = await Score(expression, numbers);

        Assert.True(result.Score == 1, result.Reason);
    }

    [Theory]
    [InlineData("(1+1+1)×8×1", "uses [1, 1, 1, 1, 8]", 1, 1, 1, 8)]
    [InlineData("(8+8)+8", "uses [8, 8, 8]", 1, 1, 1, 8)]
    [InlineData("3×8", "uses [3, 8]", 1, 1, 1, 8)]
    [InlineData("(1+1)×8+1", "equals 17, not 24", 1, 1, 1, 8)]
    [InlineData("11×1+8", "uses [1, 8, 11]", 1, 1, 1, 8)]
    [InlineData("8×3.0", "not an integer", 3, 8)]
    [InlineData("-(1-4)×8", "unary", 1, 4, 8)]
    [InlineData("2**3×3", "Exponentiation is not allowed", 2, 3, 3)]
    [InlineData("2^3×3", "unexpected character '^'", 2, 3, 3)]
    [InlineData("8/(1-1)+1×24", "divides by zero", 1, 1, 1, 8, 24)]
    [InlineData("I cannot solve this", "unexpected character", 1, 1, 1, 8)]
    [InlineData("(1+1+1×8", "well-formed", 1, 1, 1, 8)]
    [InlineData("(1+1+1) 8", "well-formed", 1, 1, 1, 8)]
    [InlineData("()", "only numbers", 1, 1, 1, 8)]
    [InlineData("= 24", "no expression", 1, 1, 1, 8)]
    [InlineData("-3*-8", "unary", 3, 8)]
    [InlineData("99999999999999999999999+24-99999999999999999999999", "is not an integer", 24)]
    [InlineData("1+1 = 2 = 24", "more than one '='", 1, 1, 1, 8)]
    [InlineData("(1+1+1)×8 = 25", "24 on one side", 1, 1, 1, 8)]
    [InlineData("max(1,1)+1", "unexpected character", 1, 1, 1, 8)]
    public async Task Wrong_expressions_score_zero_with_the_reason(string expression, string reason, params int[] numbers)
    {
        var result = await Score(expression, numbers);

        Assert.Equal(0, result.Score);
        Assert.Contains(reason, result.Reason);
    }

    [Fact]
    public async Task A_listed_solution_for_another_puzzle_is_rejected()
    {
        var result = await Score("<answer>(1+1+1)×8</answer>", 1, 2, 3, 4);

        Assert.Equal(0, result.Score);
    }

    [Fact]
    public async Task Arithmetic_is_exact_not_rounded()
    {
        // In double arithmetic 8/(3-8/3) is 23.99999999999999; exactly it is 24.
        Assert.Equal(1, (await Score("8/(3-8/3)", 3, 3, 8, 8)).Score);
        // A billionth off is off: no tolerance lets a near miss through.
        Assert.Equal(0, (await Score("24+1/1000000000", 1, 24, 1000000000)).Score);
    }

    [Fact]
    public async Task The_target_is_configurable()
    {
        var scorer10 = new Game24Scorer(target: 10);

        Assert.Equal(1, (await scorer10.ScoreAsync(Puzzle("1+2+3+4", 1, 2, 3, 4))).Score);
        Assert.Equal(0, (await scorer.ScoreAsync(Puzzle("1+2+3+4", 1, 2, 3, 4))).Score);
    }

    [Fact]
    public async Task A_request_without_numbers_is_an_argument_error() =>
        await Assert.ThrowsAsync<ArgumentException>(async () => await scorer.ScoreAsync(new ScoringRequest("1+2", ["3"])));
}
