namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>The question families of AgentFlow Mini, as written in each row's <c>Source</c>.</summary>
public static class MiniFamilies
{
    /// <summary>A fact about one encyclopedia entity: one search.</summary>
    public const string Search = "search";

    /// <summary>An arithmetic word problem: one calculation.</summary>
    public const string Math = "math";

    /// <summary>A fact, then arithmetic on it: a search, then a calculation.</summary>
    public const string MultiHop = "multi-hop";

    /// <summary>All families, in the order the generator cycles through them.</summary>
    public static IReadOnlyList<string> All { get; } = [Search, Math, MultiHop];

    /// <summary>How many tool steps a right plan takes for <paramref name="family"/>.</summary>
    public static int Hops(string family) => family == MultiHop ? 2 : 1;
}
