namespace AgentFlow.MLNet.Rewards.Extraction;

/// <summary>Tries extractors in order and returns the first answer found.</summary>
public sealed class FirstMatchExtractor : IAnswerExtractor
{
    private readonly IAnswerExtractor[] extractors;

    /// <summary>Creates the chain.</summary>
    /// <param name="extractors">The extractors, most specific first.</param>
    /// <exception cref="ArgumentException">The list is empty or holds a null.</exception>
    public FirstMatchExtractor(IEnumerable<IAnswerExtractor> extractors)
    {
        ArgumentNullException.ThrowIfNull(extractors);
        this.extractors = [.. extractors];
        if (this.extractors.Length == 0)
            throw new ArgumentException("At least one extractor is required.", nameof(extractors));
        if (this.extractors.Contains(null))
            throw new ArgumentException("The extractors must not contain null.", nameof(extractors));
    }

    /// <summary>The extractors, in the order they are tried.</summary>
    public IReadOnlyList<IAnswerExtractor> Extractors => extractors;

    /// <inheritdoc />
    public string? Extract(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        foreach (var extractor in extractors)
        {
            if (extractor.Extract(response) is { } answer)
                return answer;
        }
        return null;
    }
}
