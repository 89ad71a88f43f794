using System.Text.Json;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Search;

namespace AgentFlow.MLNet.Tests.Tools;

public class SearchToolTests
{
    private static JsonElement Arguments(object value) => JsonSerializer.SerializeToElement(value);

    [Fact]
    public async Task Hits_are_numbered_with_title_id_score_and_passage()
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);
        var tool = SearchTool.Local(index);

        var result = await tool.InvokeAsync(Arguments(new { query = "capital of Germany", k = 2 }));

        Assert.True(result.Succeeded, result.Error);
        string[] lines = result.Output.Split('\n');
        Assert.Matches(@"^\[1\] Berlin \(berlin, score \d+(\.\d+)?\)$", lines[0]);
        Assert.Equal(TestCorpus.Documents[4].Text, lines[1]);
        Assert.Equal("", lines[2]);
        Assert.StartsWith("[2] ", lines[3]);
        Assert.DoesNotContain("[3]", result.Output);
    }

    [Fact]
    public async Task Without_k_the_default_count_is_returned()
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        var result = await SearchTool.Local(index, defaultCount: 2).InvokeAsync(Arguments(new { query = "capital sea level Nobel" }));

        Assert.Contains("[2]", result.Output);
        Assert.DoesNotContain("[3]", result.Output);
    }

    [Fact]
    public async Task A_quoted_k_is_accepted_as_models_often_quote_numbers()
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        var result = await SearchTool.Local(index).InvokeAsync(JsonDocument.Parse("""{"query": "capital", "k": "1"}""").RootElement);

        Assert.True(result.Succeeded, result.Error);
        Assert.DoesNotContain("[2]", result.Output);
    }

    [Fact]
    public async Task No_match_is_a_successful_empty_answer()
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        var result = await SearchTool.Local(index).InvokeAsync(Arguments(new { query = "quantum chromodynamics" }));

        Assert.True(result.Succeeded);
        Assert.Equal("No results for 'quantum chromodynamics'.", result.Output);
    }

    [Theory]
    [InlineData("""{"query": "x", "k": 0}""", "the field 'k' must be an integer from 1 to 20, but it is 0")]
    [InlineData("""{"query": "x", "k": 21}""", "the field 'k' must be an integer from 1 to 20")]
    [InlineData("""{"query": "x", "k": "many"}""", "the field 'k' must be an integer from 1 to 20, but it is \"many\"")]
    [InlineData("""{"query": "x", "k": 2.5}""", "the field 'k' must be an integer")]
    [InlineData("""{"q": "x"}""", "the arguments have no field 'query'")]
    [InlineData("""{"query": ""}""", "the field 'query' must be a non-empty string")]
    public async Task Bad_arguments_are_failed_results(string arguments, string reason)
    {
        using var index = LuceneSearchIndex.Build(TestCorpus.Documents);

        var result = await SearchTool.Local(index).InvokeAsync(JsonDocument.Parse(arguments).RootElement);

        Assert.False(result.Succeeded);
        Assert.Contains(reason, result.Error);
    }

    [Fact]
    public async Task A_provider_that_cannot_be_reached_is_a_failed_result()
    {
        var tool = SearchTool.Web(new FailingProvider(new HttpRequestException("Response status code does not indicate success: 503")));

        var result = await tool.InvokeAsync(Arguments(new { query = "anything" }));

        Assert.False(result.Succeeded);
        Assert.Equal("the search failed: Response status code does not indicate success: 503", result.Error);
    }

    [Fact]
    public async Task Wikipedia_searches_a_local_jsonl_dump()
    {
        using var corpus = new TestCorpus();
        string dump = corpus.Path("wiki.jsonl");
        File.WriteAllLines(dump,
        [
            """{"id": "1", "contents": "\"Ada Lovelace\"\nAda Lovelace wrote the first algorithm intended for a machine."}""",
            """{"id": "2", "contents": "\"Alan Turing\"\nAlan Turing formalised computation with the Turing machine."}""",
        ]);
        using var index = LuceneSearchIndex.Build(SearchCorpus.Read(dump));
        var wikipedia = SearchTool.Wikipedia(index);

        var result = await wikipedia.InvokeAsync(Arguments(new { query = "Lovelace", k = 1 }));

        Assert.Equal("wikipedia", wikipedia.Card.Name);
        Assert.StartsWith("[1] Ada Lovelace (1, score ", result.Output);
        Assert.EndsWith("Ada Lovelace wrote the first algorithm intended for a machine.\n", result.Output);
    }

    [Fact]
    public void The_three_searches_have_distinct_names_and_offer_query_and_k()
    {
        var provider = new FailingProvider(new HttpRequestException());
        ToolCard[] cards = [SearchTool.Local(provider).Card, SearchTool.Wikipedia(provider).Card, SearchTool.Web(provider).Card];

        Assert.Equal(["search", "wikipedia", "web_search"], cards.Select(card => card.Name));
        foreach (var card in cards)
        {
            using var schema = JsonDocument.Parse(card.InputSchema);
            Assert.Equal(JsonValueKind.String, schema.RootElement.GetProperty("properties").GetProperty("query").GetProperty("type").ValueKind);
            Assert.Equal("integer", schema.RootElement.GetProperty("properties").GetProperty("k").GetProperty("type").GetString());
        }
    }

    private sealed class FailingProvider(Exception exception) : ISearchProvider
    {
        public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int count, CancellationToken cancellationToken = default) =>
            Task.FromException<IReadOnlyList<SearchHit>>(exception);
    }
}
