using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Generation;

/// <summary>Chooses the next token of every row from its logits, as <see cref="SamplingOptions"/> says.</summary>
internal static class TokenSampler
{
    /// <summary>
    /// Picks one token per row of <paramref name="logits"/> [rows, vocab]. <paramref name="counts"/> [rows, vocab] holds
    /// how often each token already occurs in each row's completion (for the penalties). Returns the tokens and their
    /// log-probs under log_softmax(logits / T), see <see cref="GeneratedSequence.LogProbs"/>.
    /// </summary>
    internal static (Tensor Tokens, Tensor LogProbs) Sample(Tensor logits, Tensor counts, SamplingOptions options, Generator generator)
    {
        using var scope = NewDisposeScope();
        logits = logits.to(ScalarType.Float32);
        bool greedy = options.Temperature == 0;
        double temperature = greedy ? 1.0 : options.Temperature;
        var reported = (logits / temperature).log_softmax(-1);

        // Penalties act on raw logits (OpenAI/vLLM semantics), before the temperature divides them.
        var shaped = logits;
        if (options.FrequencyPenalty != 0)
            shaped = shaped - options.FrequencyPenalty * counts;
        if (options.PresencePenalty != 0)
            shaped = shaped - options.PresencePenalty * counts.gt(0).to(ScalarType.Float32);
        shaped = shaped / temperature;

        Tensor tokens;
        if (greedy)
        {
            tokens = shaped.argmax(-1);
        }
        else
        {
            if (options.TopK > 0 && options.TopK < shaped.shape[^1])
            {
                var kth = shaped.topk(options.TopK, dim: -1).values.narrow(-1, options.TopK - 1, 1);
                shaped = shaped.masked_fill(shaped.lt(kth), double.NegativeInfinity);
            }
            if (options.TopP < 1)
                shaped = KeepNucleus(shaped, options.TopP);
            tokens = shaped.softmax(-1).multinomial(1, generator: generator).squeeze(-1);
        }
        var logProbs = reported.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        return (tokens.MoveToOuterDisposeScope(), logProbs.MoveToOuterDisposeScope());
    }

    /// <summary>Masks every token outside the smallest most-likely set whose probability reaches <paramref name="topP"/> (the first token always stays).</summary>
    private static Tensor KeepNucleus(Tensor logits, double topP)
    {
        var (sorted, order) = logits.sort(-1, descending: true);
        var probabilities = sorted.softmax(-1);
        var before = probabilities.cumsum(-1) - probabilities;
        var dropSorted = before.ge(topP);
        // order is a permutation, so scattering writes every position: drop[order[i]] = dropSorted[i].
        var drop = dropSorted.scatter(-1, order, dropSorted);
        return logits.masked_fill(drop, double.NegativeInfinity);
    }
}
