using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Tests.Tools;

public class ToolCardTests
{
    [Theory]
    [InlineData("Web Search")]
    [InlineData("webSearch")]
    [InlineData("_search")]
    [InlineData("web__search")]
    [InlineData("search_")]
    [InlineData("")]
    public void Names_must_be_snake_case(string name) =>
        Assert.Throws<ArgumentException>(() => new ToolCard { Name = name, Description = "d", InputSchema = "{}" });

    [Theory]
    [InlineData("[]")]
    [InlineData("\"object\"")]
    [InlineData("{\"type\": ")]
    public void The_input_schema_must_be_a_json_object(string schema) =>
        Assert.Throws<ArgumentException>(() => new ToolCard { Name = "search", Description = "d", InputSchema = schema });

    [Fact]
    public void Render_writes_every_section_with_a_compact_schema()
    {
        var card = new ToolCard
        {
            Name = "search",
            Description = "Searches the corpus.",
            InputSchema = """
                {
                  "type": "object",
                  "properties": { "query": { "type": "string", "description": "Café <terms> + more" } }
                }
                """,
            OutputDescription = "Ranked passages.",
            Demos = [new("""{"query": "Paris"}""", "passages about Paris")],
            Limitations = ["Local corpus only."],
            BestPractices = ["Use keywords."],
        };

        Assert.Equal(
            "Tool: search\n" +
            "Description: Searches the corpus.\n" +
            """Input (JSON schema): {"type":"object","properties":{"query":{"type":"string","description":"Café <terms> + more"}}}""" + "\n" +
            "Output: Ranked passages.\n" +
            "Examples:\n" +
            """- search {"query": "Paris"} -> passages about Paris""" + "\n" +
            "Limitations:\n- Local corpus only.\n" +
            "Best practices:\n- Use keywords.\n",
            card.Render());
    }

    [Fact]
    public void Render_leaves_out_empty_sections()
    {
        var card = new ToolCard { Name = "echo", Description = "Echoes.", InputSchema = """{"type":"object"}""" };

        Assert.Equal("Tool: echo\nDescription: Echoes.\nInput (JSON schema): {\"type\":\"object\"}\n", card.Render());
    }
}
