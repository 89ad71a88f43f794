using AgentFlow.MLNet.Models.Decoder;

namespace AgentFlow.MLNet.Tests.Layering;

/// <summary>
/// The library's layers import downward only — Models ← Agent/Tools ← Training ← MLNet ← Worlds, with Rewards and Benchmarks
/// as leaves — and no two namespaces depend on each other, read from the compiled assembly.
/// </summary>
public sealed class LayeringTests
{
    private const string Root = "AgentFlow.MLNet";

    private static readonly Dictionary<string, HashSet<string>> Graph = NamespaceGraph.Build(typeof(CausalLM).Assembly, Root);

    /// <summary>For each layer, the layers it must not use.</summary>
    public static TheoryData<string, string[]> Forbidden => new()
    {
        { "Models", ["Agent", "Tools", "Training", "Worlds", "MLNet", "Rewards", "Benchmarks"] },
        { "Tools", ["Agent", "Training", "Worlds", "MLNet", "Benchmarks"] },
        { "Agent", ["Training", "Worlds", "MLNet", "Benchmarks"] },
        { "Rewards", ["Models", "Agent", "Tools", "Training", "Worlds", "MLNet", "Benchmarks"] },
        { "Benchmarks", ["Models", "Agent", "Tools", "Training", "Worlds", "MLNet"] },
        { "Training", ["Worlds", "MLNet"] },
        // Built-in task worlds sit on top: their quick start trains and applies models through the ML.NET surface.
        { "MLNet", ["Worlds"] },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void ALayerUsesNoLayerAboveIt(string layer, string[] forbidden)
    {
        var violations = Graph
            .Where(n => LayerOf(n.Key) == layer)
            .SelectMany(n => n.Value.Where(used => forbidden.Contains(LayerOf(used))).Select(used => $"{n.Key} -> {used}"))
            .ToList();

        Assert.True(violations.Count == 0, $"{layer} uses layers above it: {string.Join("; ", violations)}");
    }

    [Fact]
    public void TheGraphIsReadFromTheCode()
    {
        // Guards the reader itself: known downward edges must be seen.
        Assert.Contains($"{Root}.Models.Generation", Graph[$"{Root}.Agent"]);
        Assert.Contains($"{Root}.Tools", Graph[$"{Root}.Agent"]);
    }

    private static string LayerOf(string ns)
    {
        string rest = ns.Length > Root.Length ? ns[(Root.Length + 1)..] : "";
        int dot = rest.IndexOf('.');
        return dot < 0 ? rest : rest[..dot];
    }

    [Fact]
    public void NoTwoNamespacesDependOnEachOther()
    {
        var cycles = NamespaceGraph.Cycles(Graph);

        Assert.True(cycles.Count == 0, "namespace cycles: " + string.Join(" | ", cycles.Select(Describe)));

        static string Describe(List<string> cycle)
        {
            var witnesses = NamespaceGraph.Witnesses(typeof(CausalLM).Assembly, Root);
            var edges = witnesses.Where(w => cycle.Contains(w.Key.From) && cycle.Contains(w.Key.To))
                .Select(w => $"{w.Key.From} -> {w.Key.To} ({w.Value})");
            return string.Join("; ", edges);
        }
    }
}
