using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using AgentFlow.MLNet.Tools.Search;

namespace AgentFlow.MLNet.Tools.Web;

/// <summary>
/// Web search through a Brave-Search-style JSON API: <c>GET {endpoint}?q=...&amp;count=n</c> with the key in
/// the <c>X-Subscription-Token</c> header, answered by <c>{"web": {"results": [{"title", "url",
/// "description"}]}}</c> (a missing <c>web</c> section means no results). Titles and snippets arrive with
/// HTML highlighting, which is removed. The caller owns the <see cref="HttpClient"/> (its timeout, proxy and
/// user agent).
/// </summary>
public sealed class BraveWebSearchProvider : ISearchProvider
{
    private readonly HttpClient httpClient;
    private readonly Uri endpoint;
    private readonly string apiKey;

    /// <summary>Creates the provider.</summary>
    /// <exception cref="ArgumentException">The options lack the endpoint or the key.</exception>
    public BraveWebSearchProvider(HttpClient httpClient, WebSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsConfigured)
            throw new ArgumentException($"Web search needs both {nameof(WebSearchOptions.Endpoint)} and {nameof(WebSearchOptions.ApiKey)}.", nameof(options));
        this.httpClient = httpClient;
        endpoint = options.Endpoint!;
        apiKey = options.ApiKey!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var request = new HttpRequestMessage(HttpMethod.Get, WithQuery(endpoint, query, count));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Add("X-Subscription-Token", apiKey);
        using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the web search service answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            return ReadHits(document.RootElement, count);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new InvalidDataException($"the web search service answered with unexpected JSON: {exception.Message}", exception);
        }
    }

    private static IReadOnlyList<SearchHit> ReadHits(JsonElement root, int count)
    {
        if (!root.TryGetProperty("web", out var web) || !web.TryGetProperty("results", out var results))
            return [];
        return
        [
            .. results.EnumerateArray().Take(count).Select(result => new SearchHit(
                result.GetProperty("url").GetString() ?? "",
                HtmlText.ToPlain(result.GetProperty("title").GetString() ?? ""),
                result.TryGetProperty("description", out var description) ? HtmlText.ToPlain(description.GetString() ?? "") : "",
                Score: null)),
        ];
    }

    private static Uri WithQuery(Uri endpoint, string query, int count)
    {
        string existing = endpoint.Query.TrimStart('?');
        string added = $"q={Uri.EscapeDataString(query)}&count={count.ToString(CultureInfo.InvariantCulture)}";
        return new UriBuilder(endpoint) { Query = existing.Length == 0 ? added : existing + "&" + added }.Uri;
    }
}
