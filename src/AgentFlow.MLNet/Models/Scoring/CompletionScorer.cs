using AgentFlow.MLNet.Models.Decoder;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Scoring;

/// <summary>
/// Log-probs and entropies of completion tokens given their prompts, for the trainer's policy and reference
/// passes. Only positions that predict a completion token are projected to the vocabulary, and they are
/// projected in chunks, so the [tokens × vocab] logits never exist for more than one chunk at a time.
/// </summary>
public sealed class CompletionScorer
{
    private readonly CausalLM _model;

    /// <param name="model">The model to score with (policy, or the reference with adapters off).</param>
    /// <param name="chunkTokens">Completion tokens projected to the vocabulary at once. Default 512.</param>
    public CompletionScorer(CausalLM model, int chunkTokens = 512)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkTokens);
        _model = model;
        ChunkTokens = chunkTokens;
    }

    /// <summary>Completion tokens projected to the vocabulary at once.</summary>
    public int ChunkTokens { get; }

    /// <summary>
    /// Scores every completion token. Runs with whatever autograd mode the caller is in: under
    /// <c>torch.no_grad()</c> (reference and old-policy passes) each chunk's logits are freed as soon as they are
    /// reduced; with gradients the returned tensors carry the graph (prefer <see cref="Backward"/> for training,
    /// which keeps memory bounded there too).
    /// </summary>
    public CompletionScores Score(IReadOnlyList<ScoredSequence> batch, double temperature = 1.0, bool entropy = false)
    {
        using var scope = NewDisposeScope();
        var layout = Prepare(batch, temperature);
        var hidden = Predicting(layout);
        var logProbs = new List<Tensor>();
        var entropies = new List<Tensor>();
        for (long start = 0; start < layout.Tokens; start += ChunkTokens)
        {
            // The chunk's logits die with this scope; only its per-token results leave it.
            using var chunkScope = NewDisposeScope();
            long length = Math.Min(ChunkTokens, layout.Tokens - start);
            var (chunkLogProbs, chunkEntropy) = ScoreChunk(hidden.narrow(0, start, length), layout.Targets.narrow(0, start, length), temperature, entropy);
            logProbs.Add(chunkLogProbs.MoveToOuterDisposeScope());
            if (chunkEntropy is not null)
                entropies.Add(chunkEntropy.MoveToOuterDisposeScope());
        }
        var scores = new CompletionScores(
            layout.Unflatten(cat(logProbs, 0)),
            entropy ? layout.Unflatten(cat(entropies, 0)) : null,
            layout.Mask);
        scores.LogProbs.MoveToOuterDisposeScope();
        scores.Entropy?.MoveToOuterDisposeScope();
        scores.Mask.MoveToOuterDisposeScope();
        return scores;
    }

    /// <summary>
    /// Computes a per-token loss chunk by chunk and back-propagates it into the model's gradients, returning the
    /// summed loss. The decoder runs once; its output is detached, each chunk's loss is back-propagated into the LM
    /// head and the detached hidden states, and one final backward carries those gradients through the decoder.
    /// Peak memory is one chunk of logits instead of all of them. <paramref name="chunkLoss"/> must return a scalar
    /// that is a sum over the chunk's tokens (e.g. a token-mean loss divided by the batch's token count), so that
    /// the chunks add up to the whole-batch loss.
    /// </summary>
    public double Backward(IReadOnlyList<ScoredSequence> batch, Func<TokenChunk, Tensor> chunkLoss, double temperature = 1.0)
    {
        ArgumentNullException.ThrowIfNull(chunkLoss);
        using var scope = NewDisposeScope();
        var layout = Prepare(batch, temperature);
        var hidden = Predicting(layout);
        var detached = hidden.detach().requires_grad_(true);
        double total = 0;
        for (long start = 0; start < layout.Tokens; start += ChunkTokens)
        {
            using var chunkScope = NewDisposeScope();
            long length = Math.Min(ChunkTokens, layout.Tokens - start);
            var (logProbs, entropy) = ScoreChunk(detached.narrow(0, start, length), layout.Targets.narrow(0, start, length), temperature, entropy: true);
            var loss = chunkLoss(new TokenChunk(layout.Sequence.narrow(0, start, length), layout.Position.narrow(0, start, length), logProbs, entropy!));
            if (loss.numel() != 1)
                throw new InvalidOperationException($"The chunk loss must be a scalar, but has shape [{string.Join(", ", loss.shape)}].");
            loss.backward();
            total += loss.item<float>();
        }
        hidden.backward([detached.grad!]);
        return total;
    }

    private (Tensor LogProbs, Tensor? Entropy) ScoreChunk(Tensor hidden, Tensor targets, double temperature, bool entropy)
    {
        var logits = _model.ProjectToVocabulary(hidden).to(ScalarType.Float32);
        var logProbsAll = (temperature == 1.0 ? logits : logits / temperature).log_softmax(-1);
        var logProbs = logProbsAll.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
        var chunkEntropy = entropy ? -(logProbsAll.exp() * logProbsAll).sum(-1) : null;
        return (logProbs, chunkEntropy);
    }

    /// <summary>Hidden states at the positions that predict completion tokens, flattened to [tokens, hidden].</summary>
    private Tensor Predicting(BatchLayout layout)
    {
        // The batch is right-padded, so causal attention alone is exact at every real position: a real token's keys
        // (those before it) are all real. Without a mask libtorch takes its fused attention kernel instead of
        // materialising [batch, heads, tokens, tokens] scores, which dominated an update's time at agent-prompt lengths.
        var hidden = _model.forward(new CausalLMInput(layout.Ids) { Logits = LogitsSelection.None }).LastHiddenState;
        return hidden.reshape(-1, hidden.shape[^1]).index_select(0, layout.FlatPositions);
    }

    private BatchLayout Prepare(IReadOnlyList<ScoredSequence> batch, double temperature)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
            throw new ArgumentException("The batch is empty.", nameof(batch));
        if (temperature <= 0 || double.IsNaN(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Scoring needs a positive temperature.");
        int vocabulary = _model.Config.VocabSize;
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch[i].PromptIds.Count == 0 || batch[i].CompletionIds.Count == 0)
                throw new ArgumentException($"Sequence {i} needs at least one prompt token and one completion token.", nameof(batch));
            if (batch[i].PromptIds.Concat(batch[i].CompletionIds).Any(id => id < 0 || id >= vocabulary))
                throw new ArgumentException($"Sequence {i} holds a token id outside the vocabulary [0, {vocabulary}).", nameof(batch));
        }
        return BatchLayout.Create(batch, _model.parameters().First().device);
    }
}
