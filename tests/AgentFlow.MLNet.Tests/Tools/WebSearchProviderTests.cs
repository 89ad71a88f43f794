using System.Net;
using System.Text.Json;
using AgentFlow.MLNet.Tools.Search;
using AgentFlow.MLNet.Tools.Web;

namespace AgentFlow.MLNet.Tests.Tools;

public class WebSearchProviderTests
{
    private static readonly WebSearchOptions Options = new() { Endpoint = new Uri("http://127.0.0.1:9/res/v1/web/search"), ApiKey = "test-key" };

    private const string TwoResults = """
        {"type": "search",
         "web": {"results": [
           {"title": "Iceland - <strong>Population</strong>", "url": "https://example.org/iceland", "description": "About 390,000 people &amp; growing."},
           {"title": "Reykjavik", "url": "https://example.org/reykjavik", "description": "The capital."}]}}
        """;

    [Fact]
    public async Task Sends_the_query_count_and_key_and_reads_plain_text_hits()
    {
        var handler = new FakeHttpHandler(HttpStatusCode.OK, TwoResults);
        var provider = new BraveWebSearchProvider(new HttpClient(handler), Options);

        var hits = await provider.SearchAsync("population of Iceland & more", 2);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("http://127.0.0.1:9/res/v1/web/search?q=population%20of%20Iceland%20%26%20more&count=2", request.RequestUri!.AbsoluteUri);
        Assert.Equal("test-key", request.Headers.GetValues("X-Subscription-Token").Single());
        Assert.Equal(
        [
            new SearchHit("https://example.org/iceland", "Iceland - Population", "About 390,000 people & growing.", null),
            new SearchHit("https://example.org/reykjavik", "Reykjavik", "The capital.", null),
        ], hits);
    }

    [Fact]
    public async Task At_most_count_hits_are_returned_even_if_the_service_sends_more()
    {
        var provider = new BraveWebSearchProvider(new HttpClient(new FakeHttpHandler(HttpStatusCode.OK, TwoResults)), Options);

        Assert.Single(await provider.SearchAsync("iceland", 1));
    }

    [Fact]
    public async Task A_response_without_web_results_means_none()
    {
        var provider = new BraveWebSearchProvider(new HttpClient(new FakeHttpHandler(HttpStatusCode.OK, """{"type": "search"}""")), Options);

        Assert.Empty(await provider.SearchAsync("zzzx", 5));
    }

    [Fact]
    public async Task Through_the_tool_an_http_error_is_a_failed_result_that_does_not_reveal_the_key()
    {
        var provider = new BraveWebSearchProvider(new HttpClient(new FakeHttpHandler(HttpStatusCode.Unauthorized, """{"error": "bad token test-key"}""")), Options);

        var result = await SearchTool.Web(provider).InvokeAsync(JsonSerializer.SerializeToElement(new { query = "x" }));

        Assert.False(result.Succeeded);
        Assert.Equal("the search failed: the web search service answered 401 Unauthorized", result.Error);
        Assert.DoesNotContain("test-key", result.Error);
    }

    [Fact]
    public async Task Through_the_tool_unexpected_json_is_a_failed_result()
    {
        var provider = new BraveWebSearchProvider(new HttpClient(new FakeHttpHandler(HttpStatusCode.OK, """{"web": {"results": [{"title": "no url"}]}}""")), Options);

        var result = await SearchTool.Web(provider).InvokeAsync(JsonSerializer.SerializeToElement(new { query = "x" }));

        Assert.False(result.Succeeded);
        Assert.StartsWith("the search failed: the web search service answered with unexpected JSON", result.Error);
    }

    [Fact]
    public void Web_search_is_off_until_both_endpoint_and_key_are_configured()
    {
        Assert.False(new WebSearchOptions().IsConfigured);
        Assert.False((Options with { ApiKey = " " }).IsConfigured);
        Assert.Throws<ArgumentException>(() => new BraveWebSearchProvider(new HttpClient(), Options with { Endpoint = null }));
    }

    [Fact]
    public async Task MediaWiki_search_returns_article_introductions_in_rank_order()
    {
        var handler = new FakeHttpHandler(HttpStatusCode.OK, """
            {"batchcomplete": true, "query": {"pages": [
              {"pageid": 20, "ns": 0, "title": "Ada (programming language)", "index": 2, "extract": "Ada is a language."},
              {"pageid": 10, "ns": 0, "title": "Ada Lovelace", "index": 1, "extract": "Ada Lovelace was a mathematician."}]}}
            """);
        var provider = new MediaWikiSearchProvider(new HttpClient(handler), new Uri("http://127.0.0.1:9/w/api.php"));

        var hits = await provider.SearchAsync("Ada Lovelace", 2);

        Assert.Equal(["Ada Lovelace", "Ada (programming language)"], hits.Select(hit => hit.Title));
        Assert.Equal(new SearchHit("10", "Ada Lovelace", "Ada Lovelace was a mathematician.", null), hits[0]);
        string query = handler.Requests.Single().RequestUri!.Query;
        Assert.Contains("generator=search", query);
        Assert.Contains("gsrsearch=Ada%20Lovelace", query);
        Assert.Contains("gsrlimit=2", query);
        Assert.Contains("explaintext=1", query);
    }

    [Fact]
    public async Task MediaWiki_errors_and_empty_searches_are_told_apart()
    {
        var failing = new MediaWikiSearchProvider(new HttpClient(new FakeHttpHandler(HttpStatusCode.OK, """{"error": {"code": "badvalue", "info": "Unrecognized value"}}""")), new Uri("http://127.0.0.1:9/w/api.php"));
        var empty = new MediaWikiSearchProvider(new HttpClient(new FakeHttpHandler(HttpStatusCode.OK, """{"batchcomplete": true}""")), new Uri("http://127.0.0.1:9/w/api.php"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => failing.SearchAsync("x", 3));
        Assert.Equal("the wiki refused the query: Unrecognized value", error.Message);
        Assert.Empty(await empty.SearchAsync("x", 3));
    }
}
