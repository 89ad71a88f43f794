namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// The seven AgentFlow test sets shipped with the library (from the public AgentFlow repository, MIT):
/// four search-intensive question sets and three math sets.
/// </summary>
public static class BenchmarkCatalog
{
    /// <summary>Bamboogle: 125 two-hop questions, answers as alias lists.</summary>
    public static BenchmarkDefinition Bamboogle { get; } = new("bamboogle", "Bamboogle", "bamboogle.json", BenchmarkTask.QuestionAnswering);

    /// <summary>HotpotQA: 100 multi-hop questions, answers as alias lists.</summary>
    public static BenchmarkDefinition HotpotQA { get; } = new("hotpotqa", "HotpotQA", "hotpotqa.json", BenchmarkTask.QuestionAnswering);

    /// <summary>2WikiMultiHopQA: 200 questions, one answer string each.</summary>
    public static BenchmarkDefinition TwoWiki { get; } = new("2wiki", "2Wiki", "2wiki.json", BenchmarkTask.QuestionAnswering);

    /// <summary>MuSiQue: 200 questions, one answer string each.</summary>
    public static BenchmarkDefinition MuSiQue { get; } = new("musique", "MuSiQue", "musique.json", BenchmarkTask.QuestionAnswering);

    /// <summary>AIME 2024: 30 problems with integer answers.</summary>
    public static BenchmarkDefinition Aime24 { get; } = new("aime24", "AIME24", "aime24.json", BenchmarkTask.Math);

    /// <summary>AMC 2023: 40 problems with integer answers.</summary>
    public static BenchmarkDefinition Amc23 { get; } = new("amc23", "AMC23", "amc23.json", BenchmarkTask.Math);

    /// <summary>Game of 24: 300 puzzles of four numbers.</summary>
    public static BenchmarkDefinition GameOf24 { get; } = new("gameof24", "Game of 24", "gameof24.json", BenchmarkTask.GameOf24);

    /// <summary>All seven, in the order of the paper's tables.</summary>
    public static IReadOnlyList<BenchmarkDefinition> All { get; } = [Bamboogle, TwoWiki, HotpotQA, MuSiQue, Aime24, Amc23, GameOf24];

    /// <summary>The benchmark whose <see cref="BenchmarkDefinition.Name"/> or display name is <paramref name="name"/>, ignoring case.</summary>
    /// <exception cref="ArgumentException">No shipped benchmark has that name.</exception>
    public static BenchmarkDefinition Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase)
                                       || string.Equals(b.DisplayName, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown benchmark '{name}'; known: {string.Join(", ", All.Select(b => b.Name))}.", nameof(name));
    }
}
