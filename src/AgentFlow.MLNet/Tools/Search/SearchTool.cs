using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentFlow.MLNet.Tools.Search;

/// <summary>
/// A search tool over any <see cref="ISearchProvider"/>: the model sends a query and optionally how many
/// results it wants (<c>k</c>), and reads back numbered hits with titles, ids and snippets. The factories
/// give the three searches an agent knows by name: <c>search</c> (a local corpus), <c>wikipedia</c> and
/// <c>web_search</c>. A provider that cannot be reached, or answers garbage, makes a failed result.
/// </summary>
public sealed class SearchTool : ITool
{
    /// <summary>The most hits one call may ask for.</summary>
    public const int MaxCount = 20;

    private readonly ISearchProvider provider;
    private readonly int defaultCount;

    /// <summary>Creates a search tool with its own card.</summary>
    /// <param name="card">What prompts say about the tool; its input schema should offer <c>query</c> and <c>k</c>.</param>
    /// <param name="provider">Where the hits come from.</param>
    /// <param name="defaultCount">How many hits a call without <c>k</c> gets, from 1 to <see cref="MaxCount"/>. Default 5.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="defaultCount"/> is outside [1, <see cref="MaxCount"/>].</exception>
    public SearchTool(ToolCard card, ISearchProvider provider, int defaultCount = 5)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentOutOfRangeException.ThrowIfLessThan(defaultCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(defaultCount, MaxCount);
        Card = card;
        this.provider = provider;
        this.defaultCount = defaultCount;
    }

    /// <inheritdoc />
    public ToolCard Card { get; }

    /// <summary><c>search</c>: passages of a local corpus (documents, notes, a knowledge base).</summary>
    public static SearchTool Local(ISearchProvider provider, int defaultCount = 5) => new(new ToolCard
    {
        Name = "search",
        Description = "Searches a local collection of documents and returns the passages that best match a query.",
        InputSchema = Schema("Keywords or a question about what to find", defaultCount),
        OutputDescription = "Numbered passages, best first, each with its document title, id and relevance score.",
        Demos = [new("""{"query": "boiling point of water at altitude", "k": 3}""", "three passages about boiling points, best first")],
        Limitations = ["Only the documents of the local collection are searched; anything else is not found.", "Matching is by words (BM25), not by meaning: synonyms may be missed."],
        BestPractices = ["Use the distinctive words likely to appear in the answer passage.", "Search again with other words when the passages do not answer the question."],
    }, provider, defaultCount);

    /// <summary><c>wikipedia</c>: encyclopedia passages, from a local dump index or an online provider.</summary>
    public static SearchTool Wikipedia(ISearchProvider provider, int defaultCount = 5) => new(new ToolCard
    {
        Name = "wikipedia",
        Description = "Searches Wikipedia and returns the passages of the articles that best match a query.",
        InputSchema = Schema("The name of a person, place, thing or event, or keywords about it", defaultCount),
        OutputDescription = "Numbered passages, best first, each with its article title.",
        Demos = [new("""{"query": "Marie Curie Nobel Prize"}""", "passages from the article on Marie Curie")],
        Limitations = ["Encyclopedic knowledge only; recent events may be missing.", "A passage is part of an article: the fact sought may be in another part."],
        BestPractices = ["Name the entity as its article title would.", "Ask for one fact at a time; follow up with a new query."],
    }, provider, defaultCount);

    /// <summary><c>web_search</c>: results from a web search engine.</summary>
    public static SearchTool Web(ISearchProvider provider, int defaultCount = 5) => new(new ToolCard
    {
        Name = "web_search",
        Description = "Searches the web and returns the titles, addresses and snippets of the best matching pages.",
        InputSchema = Schema("What to search the web for", defaultCount),
        OutputDescription = "Numbered results, best first, each with the page title, its address and a snippet.",
        Demos = [new("""{"query": "current population of Iceland"}""", "pages with Iceland's population, with snippets")],
        Limitations = ["Snippets are short and may be outdated or wrong; pages are not opened.", "Each call queries a paid external service."],
        BestPractices = ["Use it for recent or very specific facts that a local search or Wikipedia lacks.", "Cross-check important facts with a second source."],
    }, provider, defaultCount);

    /// <inheritdoc />
    public async ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!ToolArguments.TryGetString(arguments, "query", out string? query, out string error)
            || !ToolArguments.TryGetOptionalInt(arguments, "k", defaultCount, 1, MaxCount, out int count, out error))
        {
            return ToolResult.Failure(error);
        }

        IReadOnlyList<SearchHit> hits;
        try
        {
            hits = await provider.SearchAsync(query.Trim(), count, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or InvalidDataException)
        {
            return ToolResult.Failure($"the search failed: {exception.Message}");
        }
        return hits.Count == 0
            ? ToolResult.Success($"No results for '{query.Trim()}'.")
            : ToolResult.Success(Format(hits.Take(count)));
    }

    private static string Format(IEnumerable<SearchHit> hits)
    {
        var text = new StringBuilder();
        int rank = 0;
        foreach (var hit in hits)
        {
            if (rank > 0)
                text.Append('\n');
            text.Append('[').Append(++rank).Append("] ").Append(hit.Title.Length > 0 ? hit.Title : "(untitled)");
            text.Append(" (").Append(hit.Id);
            if (hit.Score is { } score)
                text.Append(", score ").Append(score.ToString("0.###", CultureInfo.InvariantCulture));
            text.Append(")\n").Append(hit.Snippet.Trim()).Append('\n');
        }
        return text.ToString();
    }

    private static string Schema(string queryDescription, int defaultCount) => JsonSerializer.Serialize(new
    {
        type = "object",
        properties = new Dictionary<string, object>
        {
            ["query"] = new { type = "string", description = queryDescription },
            ["k"] = new { type = "integer", description = $"How many results to return (default {defaultCount})", minimum = 1, maximum = MaxCount },
        },
        required = new[] { "query" },
    });
}
