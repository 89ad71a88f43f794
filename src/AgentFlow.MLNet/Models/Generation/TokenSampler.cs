using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Generation;

/// <summary>
/// Chooses the next token of every row from its logits, each row under its own <see cref="SamplingOptions"/> and its
/// own uniform draw (inverse-CDF sampling), so rows with different settings share one batched step and a row's choice
/// never depends on its batch mates.
/// </summary>
internal static class TokenSampler
{
    /// <summary>
    /// Picks one token per row of <paramref name="logits"/> [rows, vocab]. <paramref name="counts"/> [rows, vocab] holds
    /// how often each token already occurs in each row's completion (null when no row uses penalties);
    /// <paramref name="uniforms"/> holds one draw in [0, 1) per row (ignored for greedy rows). Returns the tokens and
    /// their log-probs under log_softmax(logits / T), see <see cref="GeneratedSequence.LogProbs"/>.
    /// </summary>
    internal static (Tensor Tokens, Tensor LogProbs) Sample(Tensor logits, Tensor? counts, IReadOnlyList<SamplingOptions> options, IReadOnlyList<double> uniforms)
    {
        using var scope = NewDisposeScope();
        int rows = options.Count;
        var device = logits.device;
        logits = logits.to(ScalarType.Float32);
        bool[] greedy = options.Select(o => o.Temperature == 0).ToArray();
        // Greedy and T = 1 rows need no division; at batch 1 each skipped operation is a measurable part of a step.
        var temperature = options.All(o => o.Temperature is 0 or 1)
            ? null
            : Column(options.Select(o => o.Temperature == 0 ? 1f : (float)o.Temperature), device);
        var reported = (temperature is null ? logits : logits / temperature).log_softmax(-1);

        // Penalties act on raw logits (OpenAI/vLLM semantics), before the temperature divides them.
        var shaped = logits;
        if (counts is not null && options.Any(o => o.FrequencyPenalty != 0))
            shaped = shaped - Column(options.Select(o => (float)o.FrequencyPenalty), device) * counts;
        if (counts is not null && options.Any(o => o.PresencePenalty != 0))
            shaped = shaped - Column(options.Select(o => (float)o.PresencePenalty), device) * counts.gt(0).to(ScalarType.Float32);
        var greedyTokens = shaped.argmax(-1);
        if (Array.TrueForAll(greedy, g => g))
            return Finish(greedyTokens, reported);
        shaped = Truncate(temperature is null ? shaped : shaped / temperature, options);

        // Inverse CDF over the vocabulary in id order: the first token whose cumulative probability passes the draw.
        var cdf = shaped.softmax(-1).to(ScalarType.Float64).cumsum(-1);
        var draw = tensor(uniforms.Select((u, i) => greedy[i] ? 0.0 : u).ToArray(), device: device).unsqueeze(1) * cdf.narrow(1, cdf.shape[1] - 1, 1);
        var sampled = cdf.le(draw).sum(-1).clamp_max(cdf.shape[1] - 1);
        var tokens = where(tensor(greedy, device: device), greedyTokens, sampled);
        return Finish(tokens, reported);

        static (Tensor, Tensor) Finish(Tensor tokens, Tensor reported)
        {
            var logProbs = reported.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
            return (tokens.MoveToOuterDisposeScope(), logProbs.MoveToOuterDisposeScope());
        }
    }

    /// <summary>Applies each sampling row's top-k and top-p; rows that use neither are left untouched (and unsorted).</summary>
    private static Tensor Truncate(Tensor logits, IReadOnlyList<SamplingOptions> options)
    {
        long vocabulary = logits.shape[1];
        var truncated = Enumerable.Range(0, options.Count)
            .Where(i => options[i].Temperature > 0 && ((options[i].TopK > 0 && options[i].TopK < vocabulary) || options[i].TopP < 1))
            .ToArray();
        if (truncated.Length == 0)
            return logits;
        var device = logits.device;
        var index = tensor(truncated.Select(i => (long)i).ToArray(), device: device);
        var subset = logits.index_select(0, index);
        var (sorted, order) = subset.sort(-1, descending: true);
        var rank = arange(vocabulary, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var topK = tensor(truncated.Select(i => options[i].TopK > 0 ? (long)options[i].TopK : vocabulary).ToArray(), device: device).unsqueeze(1);
        var probabilities = sorted.softmax(-1);
        var before = probabilities.cumsum(-1) - probabilities;
        var topP = Column(truncated.Select(i => (float)options[i].TopP), device);
        // Drop ranks past k and tokens whose more-likely predecessors already reach p; the first token always stays.
        var dropSorted = rank.ge(topK).logical_or(before.ge(topP)).logical_and(rank.gt(0));
        // order is a permutation, so scattering writes every position: drop[order[i]] = dropSorted[i].
        var drop = dropSorted.scatter(-1, order, dropSorted);
        return logits.index_copy(0, index, subset.masked_fill(drop, double.NegativeInfinity));
    }

    private static Tensor Column(IEnumerable<float> values, Device device) => tensor(values.ToArray(), device: device).unsqueeze(1);
}
