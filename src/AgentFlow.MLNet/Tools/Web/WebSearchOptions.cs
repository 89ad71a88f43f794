namespace AgentFlow.MLNet.Tools.Web;

/// <summary>
/// Where <see cref="BraveWebSearchProvider"/> sends queries and the key it sends with them. Both come from
/// configuration: no endpoint or key is built into the library, and web search stays off until both are set.
/// </summary>
public sealed record WebSearchOptions
{
    /// <summary>The web search endpoint (the full URL of the API's web search route). Required.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The subscription key, sent in the <c>X-Subscription-Token</c> header and never logged. Required.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Whether both <see cref="Endpoint"/> and <see cref="ApiKey"/> are set.</summary>
    public bool IsConfigured => Endpoint is not null && !string.IsNullOrWhiteSpace(ApiKey);
}
