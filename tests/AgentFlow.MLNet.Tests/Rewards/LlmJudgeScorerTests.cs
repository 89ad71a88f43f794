using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Tests.Rewards;

public class LlmJudgeScorerTests
{
    private static readonly ScoringRequest Request =
        new("Some reasoning.\n<answer>Madison</answer>", ["James Madison", "Madison"]) { Question = "Who was the fourth US president?" };

    [Theory]
    [InlineData("Analysis: Same person.\nVerdict: true", 1)]
    [InlineData("Analysis: Different person.\nVerdict: false", 0)]
    [InlineData("**Verdict:** TRUE", 1)]
    [InlineData("{\"analysis\": \"matches\", \"true_false\": true}", 1)]
    [InlineData("Analysis: hmm\nVerdict - incorrect", 0)]
    [InlineData("They refer to the same man.\n\nTrue.", 1)]
    [InlineData("Verdict: false\nOn reflection... Verdict: true", 1)]
    public async Task The_verdict_is_read_tolerantly(string reply, double expected)
    {
        var judge = new LlmJudgeScorer(new ScriptedChatClient(reply));

        var result = await judge.ScoreAsync(Request);

        Assert.Equal(expected, result.Score);
        Assert.Equal("Madison", result.Extracted);
        Assert.StartsWith($"judge verdict {(expected == 1 ? "true" : "false")}", result.Reason);
    }

    [Theory]
    [InlineData("I am not sure what you mean.")]
    [InlineData("")]
    [InlineData("Verdict: maybe")]
    public async Task An_unparseable_reply_scores_zero_with_the_reply_as_reason(string reply)
    {
        var judge = new LlmJudgeScorer(new ScriptedChatClient(reply));

        var result = await judge.ScoreAsync(Request);

        Assert.Equal(0, result.Score);
        Assert.Contains("no true/false verdict", result.Reason);
        Assert.Contains(reply, result.Reason);
    }

    [Fact]
    public async Task The_analysis_is_kept_in_the_reason()
    {
        var judge = new LlmJudgeScorer(new ScriptedChatClient("Analysis: Both name James Madison.\nVerdict: true"));

        var result = await judge.ScoreAsync(Request);

        Assert.Equal("judge verdict true: Both name James Madison.", result.Reason);
    }

    [Fact]
    public async Task The_judge_sees_the_question_every_reference_and_the_extracted_answer_at_temperature_zero()
    {
        var client = new ScriptedChatClient("Verdict: true");

        await new LlmJudgeScorer(client).ScoreAsync(Request);

        var messages = Assert.Single(client.Requests);
        Assert.Equal(LlmJudgeScorer.SystemPrompt, messages[0].Text);
        string prompt = messages[1].Text;
        Assert.Contains("Who was the fourth US president?", prompt);
        Assert.Contains("- James Madison", prompt);
        Assert.Contains("- Madison", prompt);
        Assert.Contains("Candidate answer:\nMadison", prompt);
        Assert.DoesNotContain("Some reasoning", prompt);
        Assert.Equal(0f, client.Options[0]!.Temperature);
    }

    [Fact]
    public async Task No_answer_means_no_judge_call()
    {
        var client = new ScriptedChatClient();

        var result = await new LlmJudgeScorer(client).ScoreAsync(Request with { Response = "  " });

        Assert.Equal(0, result.Score);
        Assert.Empty(client.Requests);
    }

    [Fact]
    public async Task Cancellation_reaches_the_client() =>
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await new LlmJudgeScorer(new ScriptedChatClient("Verdict: true")).ScoreAsync(Request, new CancellationToken(canceled: true)));
}
