using AgentFlow.MLNet.Agent.Parsing;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Rewards.Extraction;
using CsCheck;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// Properties of the text parsers over generated input (CsCheck, seeded so a run repeats; a failure prints the shrunk
/// input): they never throw on any text, read back what the prompts ask for, and never read
/// quoted data as a module's own words.
/// </summary>
public sealed class ParserPropertyTests
{
    /// <summary>Any text, with the characters the parsers care about over-represented.</summary>
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String,
        Gen.String[Gen.Char["\n:|<>/{}\"*#-_ aTtCcSsOoPpNn"], 0, 80],
        Gen.Select(Gen.String, Gen.Int[0, 3], (s, i) => s + new[] { "\nConclusion: STOP", "\nTool Name: search", "<answer>x</answer>", """{"tool": "x"}""" }[i]));

    [Fact]
    public void TheModuleParsersAcceptAnyTextWithoutThrowing() =>
        Text.ForAll(text =>
        {
            NextStepParser.TryParse(text, out _, out _);
            VerdictParser.Parse(text);
            ToolCallParser.TryParse(text, out _, out _, out _);
            AnswerExtractors.Default.Extract(text);
        }, count: 3000);

    [Fact]
    public void APlannerReplyInThePromptsFormatReadsBack() =>
        Gen.Select(Words, Words, ToolNames).ForAll(input =>
        {
            var (subGoal, context, tool) = input;
            string reply = $"Justification: because.\nContext: {context}\nSub-Goal: {subGoal}\nTool Name: {tool}";
            Assert.True(NextStepParser.TryParse(reply, out var step, out var problem), problem);
            Assert.Equal(NextStepParser.NormaliseToolName(tool), step.ToolName);
            Assert.Equal(subGoal, step.SubGoal);
            Assert.Equal(context, step.Context);
        }, count: 1000);

    [Fact]
    public void QuotedDataNeverReadsAsAModulesWords() =>
        Text.ForAll(text =>
        {
            string quoted = "Here is what the tool said:\n" + QuotedData.Quote(text, "  ");
            Assert.False(NextStepParser.TryParse(quoted, out _, out _));
            Assert.False(VerdictParser.Parse(quoted).Stop);
            Assert.False(ToolCallParser.TryParse(quoted, out _, out _, out _));
            Assert.Null(AnswerExtractors.AnswerTag.Extract(quoted));
        }, count: 3000);

    [Fact]
    public void AnAnswerTagReadsBackItsTrimmedContent() =>
        Gen.Select(Text, Gen.String[Gen.Char.AlphaNumeric, 1, 30]).ForAll(input =>
        {
            var (prefix, answer) = input;
            string response = QuotedData.WithoutQuotedLines(prefix).Replace("<", "(") + $"\n<answer> {answer} </answer>";
            Assert.Equal(answer, AnswerExtractors.AnswerTag.Extract(response));
        }, count: 1000);

    [Fact]
    public void ExactMatchScoresInTheUnitIntervalAndOneForTheGoldItself()
    {
        var scorer = new ExactMatchScorer();
        Gen.Select(Text, Gen.String[Gen.Char.AlphaNumeric, 1, 20]).ForAll(input =>
        {
            var (response, gold) = input;
            // The exact-match scorer completes synchronously; the ValueTask is read at once.
            Assert.InRange(scorer.ScoreAsync(new ScoringRequest(response, [gold])).AsTask().Result.Score, 0, 1);
            Assert.Equal(1, scorer.ScoreAsync(new ScoringRequest($"<answer>{gold}</answer>", [gold])).AsTask().Result.Score);
        }, count: 500);
    }

    private static Gen<string> Words => Gen.String[Gen.Char.AlphaNumeric, 1, 12].Array[1, 6].Select(words => string.Join(' ', words));

    private static Gen<string> ToolNames => Gen.OneOf(Gen.Const("search"), Gen.Const("Python Coder"), Gen.Const("web-search"), Gen.String[Gen.Char.AlphaNumeric, 1, 16]);
}
