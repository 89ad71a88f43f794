namespace AgentFlow.MLNet.Tools.Search;

/// <summary>
/// Something that answers a free-text query with ranked hits: a local Lucene index, a web search API, an
/// online encyclopedia. <see cref="SearchTool"/> turns any provider into a tool.
/// </summary>
public interface ISearchProvider
{
    /// <summary>Returns at most <paramref name="count"/> hits for <paramref name="query"/>, best first; none when nothing matches.</summary>
    /// <param name="query">Free text as a model writes it; providers must not interpret it as query syntax.</param>
    /// <param name="count">The most hits wanted, at least 1.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <exception cref="HttpRequestException">A remote provider could not be reached or refused the request.</exception>
    /// <exception cref="InvalidDataException">A remote provider answered with something unreadable.</exception>
    Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int count, CancellationToken cancellationToken = default);
}
