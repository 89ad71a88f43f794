using System.Globalization;
using System.Text.Json;
using AgentFlow.MLNet.Tools.Search;

namespace AgentFlow.MLNet.Tools.Web;

/// <summary>
/// Online Wikipedia search through a MediaWiki action API endpoint (the <c>api.php</c> of any wiki, given by
/// configuration): one request searches (<c>generator=search</c>) and returns each found article's plain-text
/// introduction (<c>prop=extracts</c>, TextExtracts extension), so a hit is readable on its own. An
/// alternative to a local dump index for <see cref="SearchTool.Wikipedia"/>. Wikimedia asks API clients to
/// send a descriptive User-Agent: set it on the <see cref="HttpClient"/> given here.
/// </summary>
public sealed class MediaWikiSearchProvider : ISearchProvider
{
    private readonly HttpClient httpClient;
    private readonly Uri apiEndpoint;

    /// <summary>Creates the provider for the wiki whose action API is <paramref name="apiEndpoint"/>.</summary>
    public MediaWikiSearchProvider(HttpClient httpClient, Uri apiEndpoint)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(apiEndpoint);
        this.httpClient = httpClient;
        this.apiEndpoint = apiEndpoint;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        string parameters = string.Join('&',
            "action=query", "format=json", "formatversion=2", "generator=search",
            $"gsrsearch={Uri.EscapeDataString(query)}", $"gsrlimit={count.ToString(CultureInfo.InvariantCulture)}",
            "prop=extracts", "exintro=1", "explaintext=1", $"exlimit={count.ToString(CultureInfo.InvariantCulture)}");
        using var response = await httpClient.GetAsync(new UriBuilder(apiEndpoint) { Query = parameters }.Uri, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the wiki answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (document.RootElement.TryGetProperty("error", out var error))
                throw new InvalidDataException($"the wiki refused the query: {error.GetProperty("info").GetString()}");
            if (!document.RootElement.TryGetProperty("query", out var result) || !result.TryGetProperty("pages", out var pages))
                return [];
            // Pages come keyed by id, not by rank; "index" is the search rank.
            return
            [
                .. pages.EnumerateArray()
                    .OrderBy(page => page.GetProperty("index").GetInt32())
                    .Take(count)
                    .Select(page => new SearchHit(
                        page.GetProperty("pageid").GetInt64().ToString(CultureInfo.InvariantCulture),
                        page.GetProperty("title").GetString() ?? "",
                        page.TryGetProperty("extract", out var extract) ? extract.GetString() ?? "" : "",
                        Score: null)),
            ];
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"the wiki answered with unexpected JSON: {exception.Message}", exception);
        }
    }
}
