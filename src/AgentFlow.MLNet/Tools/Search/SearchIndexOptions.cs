namespace AgentFlow.MLNet.Tools.Search;

/// <summary>How <see cref="LuceneSearchIndex.Build"/> indexes a corpus.</summary>
public sealed record SearchIndexOptions
{
    /// <summary>
    /// Documents are split into passages of at most this many words, and passages are what a search returns,
    /// so a hit is a readable paragraph rather than a whole article. Default 100 words (the size of the
    /// passages in the Wikipedia corpora that retrieval-augmented agents are usually evaluated on). At least 10.
    /// </summary>
    public int PassageWords { get; init; } = 100;
}
