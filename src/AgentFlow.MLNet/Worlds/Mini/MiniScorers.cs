using AgentFlow.MLNet.Rewards;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// The scorer of each family: a fact is matched exactly (it is copied from the encyclopedia, never computed), while
/// calculated answers are compared as numbers ("10063", "10063.0" and "10,063" are all right).
/// </summary>
public static class MiniScorers
{
    private static readonly IAnswerScorer Exact = new ExactMatchScorer();
    private static readonly IAnswerScorer Numeric = new NumericScorer();

    /// <summary>The scorer of <paramref name="family"/>.</summary>
    /// <exception cref="ArgumentException">The family is not one of <see cref="MiniFamilies"/>.</exception>
    public static IAnswerScorer For(string family) => family switch
    {
        MiniFamilies.Search => Exact,
        MiniFamilies.Math or MiniFamilies.MultiHop => Numeric,
        _ => throw new ArgumentException($"Unknown Mini family '{family}'; expected one of {string.Join(", ", MiniFamilies.All)}.", nameof(family)),
    };
}
