using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Scoring;
using AgentFlow.MLNet.Training;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Training;

/// <summary>Seeded planner turns for update tests, with sampling log-probs scored by the model itself.</summary>
internal static class PolicyTurns
{
    /// <summary>
    /// One turn per entry of <paramref name="layout"/>: a random prompt of 3–8 tokens and completion of 2–6 tokens, its
    /// sampling log-probs scored by <paramref name="model"/> at <paramref name="temperature"/> and shifted by a
    /// seeded uniform ±<paramref name="noise"/> (a sampler that disagrees with the trainer, so ratios leave 1).
    /// </summary>
    internal static List<TrainingTurn> Create(CausalLM model, IReadOnlyList<(int Group, int Trajectory, double Advantage)> layout, int seed, double temperature = 0.7, double noise = 0)
    {
        var random = new Random(seed);
        int vocabulary = model.Config.VocabSize;
        var sequences = layout.Select(_ => new ScoredSequence(
            Enumerable.Range(0, random.Next(3, 9)).Select(_ => random.Next(vocabulary)).ToArray(),
            Enumerable.Range(0, random.Next(2, 7)).Select(_ => random.Next(vocabulary)).ToArray())).ToList();
        var logProbs = LogProbs(model, sequences, temperature);
        return layout.Select((l, i) => new TrainingTurn(
            new PlannerTurnSample(l.Group, l.Trajectory, 0, sequences[i].PromptIds, sequences[i].CompletionIds,
                logProbs[i].Select(v => (float)(v + noise * (2 * random.NextDouble() - 1))).ToArray(), temperature),
            l.Advantage)).ToList();
    }

    /// <summary>Each sequence's completion log-probs under <paramref name="model"/>, gradient-free.</summary>
    internal static float[][] LogProbs(CausalLM model, IReadOnlyList<ScoredSequence> sequences, double temperature)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var scores = new CompletionScorer(model).Score(sequences, temperature);
        var values = scores.LogProbs.to(ScalarType.Float32).cpu().data<float>().ToArray();
        long width = scores.LogProbs.shape[1];
        return sequences.Select((s, i) => values.AsSpan((int)(i * width), s.CompletionIds.Count).ToArray()).ToArray();
    }

    /// <summary>The summed completion log-prob of each turn under <paramref name="model"/>.</summary>
    internal static double[] SequenceLogProbs(CausalLM model, IReadOnlyList<TrainingTurn> turns) =>
        LogProbs(model, turns.Select(t => new ScoredSequence(t.Sample.PromptIds, t.Sample.CompletionIds)).ToList(), turns[0].Sample.Temperature)
            .Select(l => l.Sum(v => (double)v)).ToArray();
}
