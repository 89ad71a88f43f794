namespace AgentFlow.MLNet.Tools.Search;

/// <summary>One search result.</summary>
/// <param name="Id">Where the text comes from: the document id for a local index, the page address for web results.</param>
/// <param name="Title">The document or page title.</param>
/// <param name="Snippet">The matching passage (local) or the provider's snippet (web), as plain text.</param>
/// <param name="Score">The relevance score (BM25 for a local index); null when the provider gives none.</param>
public sealed record SearchHit(string Id, string Title, string Snippet, double? Score);
