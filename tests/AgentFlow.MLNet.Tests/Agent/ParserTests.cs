using System.Text.Json;
using AgentFlow.MLNet.Agent.Parsing;

namespace AgentFlow.MLNet.Tests.Agent;

public sealed class ParserTests
{
    [Fact]
    public void NextStepFieldsAreReadThroughMarkdownAndTheLastOccurrenceWins()
    {
        const string output = """
            Let me think. Tool Name: Calculator (draft)

            **Justification:** the sum is needed.
            **Context**: numbers 3 and 4
            ## Sub-Goal: add them
            - Tool Name: `Python Coder`
            """;

        Assert.True(NextStepParser.TryParse(output, out var step, out string? problem));

        Assert.Null(problem);
        Assert.Equal("python_coder", step.ToolName);
        Assert.Equal("the sum is needed.", step.Justification);
        Assert.Equal("numbers 3 and 4", step.Context);
        Assert.Equal("add them", step.SubGoal);
    }

    [Fact]
    public void APlannerOutputWithoutAToolIsReportedNotThrown()
    {
        Assert.False(NextStepParser.TryParse("Justification: unsure\nSub-Goal: think more", out var step, out string? problem));

        Assert.Contains("Tool Name", problem);
        Assert.Equal("think more", step.SubGoal);
    }

    [Theory]
    [InlineData("All facts present.\nConclusion: STOP", true)]
    [InlineData("**Conclusion**: **CONTINUE**", false)]
    [InlineData("Conclusion: CONTINUE ... on reflection, Conclusion: STOP", true)]
    [InlineData("conclusion - stop", true)]
    public void VerdictsAreReadWithTheLastConclusionWinning(string output, bool stop)
    {
        var verdict = VerdictParser.Parse(output);

        Assert.Equal(stop, verdict.Stop);
        Assert.Null(verdict.Problem);
    }

    [Fact]
    public void AVerdictWithoutAConclusionContinuesAndSaysWhy()
    {
        var verdict = VerdictParser.Parse("Looks good to me.");

        Assert.False(verdict.Stop);
        Assert.Contains("Conclusion", verdict.Problem);
    }

    [Theory]
    [InlineData("""{"tool": "search", "arguments": {"query": "x"}}""", "search")]
    [InlineData("Here you go:\n```json\n{\"name\": \"Web Search\", \"parameters\": {\"query\": \"x\",},}\n```", "web_search")]
    [InlineData("""{"query": "x"}""", null)]
    [InlineData("""{"tool": "search", "arguments": "{\"query\": \"x\"}"}""", "search")]
    public void ToolCallsAreReadTolerantly(string output, string? tool)
    {
        Assert.True(ToolCallParser.TryParse(output, out string? name, out JsonElement arguments, out string? problem), problem);

        Assert.Equal(tool, name);
        Assert.Equal("x", arguments.GetProperty("query").GetString());
    }

    [Fact]
    public void TheLastJsonObjectInTheTextIsTheCall()
    {
        const string output = """First try: {"tool": "search", "arguments": {"query": "old"}} then corrected: {"tool": "search", "arguments": {"query": "new"}}""";

        Assert.True(ToolCallParser.TryParse(output, out _, out var arguments, out _));

        Assert.Equal("new", arguments.GetProperty("query").GetString());
    }

    [Theory]
    [InlineData("no json here")]
    [InlineData("{not: valid")]
    [InlineData("""{"tool": "search", "arguments": [1, 2]}""")]
    public void TextWithoutAUsableCallIsReported(string output)
    {
        Assert.False(ToolCallParser.TryParse(output, out _, out _, out string? problem));
        Assert.NotNull(problem);
    }
}
