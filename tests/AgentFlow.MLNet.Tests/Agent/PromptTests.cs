using AgentFlow.MLNet.Agent.Prompts;

namespace AgentFlow.MLNet.Tests.Agent;

public sealed class PromptTests
{
    [Fact]
    public void AnOverrideWithATypoFailsWhenBuiltNamingThePlaceholder()
    {
        var error = Assert.Throws<ArgumentException>(() => AgentPrompts.PlannerTemplate("Question: {questoin}"));

        Assert.Contains("{questoin}", error.Message);
        Assert.Contains("{question}", error.Message);
    }

    [Fact]
    public void RenderingFillsPlaceholdersAndKeepsLiteralBraces()
    {
        var template = AgentPrompts.GeneratorTemplate("Q: {question}\nM: {memory}\nJSON like {{\"a\": 1}}");

        string text = template.Render(new Dictionary<string, string> { ["question"] = "why {x}?", ["memory"] = "none" });

        Assert.Equal("Q: why {x}?\nM: none\nJSON like {\"a\": 1}", text);
    }

    [Fact]
    public void EveryDefaultPromptAsksForTheFormatItsParserReads()
    {
        var prompts = AgentPrompts.Default;

        Assert.Contains("Tool Name:", prompts.Planner.Text);
        Assert.Contains("Conclusion: STOP", prompts.Verifier.Text);
        Assert.Contains("<answer></answer>", prompts.Generator.Text);
        Assert.Contains("\"arguments\"", prompts.Executor.Text);
        Assert.Equal(AgentPrompts.DefaultVersion, prompts.Version);
    }
}
