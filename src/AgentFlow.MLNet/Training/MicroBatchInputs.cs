using AgentFlow.MLNet.Models.Scoring;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Training;

/// <summary>
/// One micro-batch's sequences and its per-token constants (old and reference log-probs, advantages, loss weights),
/// flattened in <see cref="CompletionScorer"/>'s token order (row by row), so each logits chunk can pick its own
/// tokens' values. The tensors live in the caller's dispose scope.
/// </summary>
internal sealed class MicroBatchInputs
{
    private readonly Tensor _offsets;
    private readonly Tensor _old;
    private readonly Tensor? _reference;
    private readonly Tensor _advantages;
    private readonly Tensor _weights;

    /// <param name="rows">Indices of the micro-batch's turns in <paramref name="turns"/>, in row order.</param>
    /// <param name="turns">The training step's turns.</param>
    /// <param name="old">Old log-probs of every turn, by turn index.</param>
    /// <param name="reference">Reference log-probs of every turn by turn index, or null without a KL term.</param>
    /// <param name="weightOf">The aggregation weight of each turn of the mini-batch, by turn index.</param>
    /// <param name="device">Where the model lives.</param>
    internal MicroBatchInputs(
        IReadOnlyList<int> rows,
        IReadOnlyList<TrainingTurn> turns,
        IReadOnlyList<IReadOnlyList<float>> old,
        IReadOnlyList<IReadOnlyList<float>>? reference,
        IReadOnlyDictionary<int, double> weightOf,
        Device device)
    {
        Sequences = rows.Select(i => new ScoredSequence(turns[i].Sample.PromptIds, turns[i].Sample.CompletionIds)).ToList();
        var offsets = new long[rows.Count];
        var oldValues = new List<float>();
        var referenceValues = new List<float>();
        var advantages = new List<float>();
        var weights = new List<float>();
        for (int row = 0; row < rows.Count; row++)
        {
            int i = rows[row];
            int length = turns[i].Sample.CompletionIds.Count;
            offsets[row] = oldValues.Count;
            oldValues.AddRange(old[i]);
            if (reference is not null)
                referenceValues.AddRange(reference[i]);
            advantages.AddRange(Enumerable.Repeat((float)turns[i].Advantage, length));
            weights.AddRange(Enumerable.Repeat((float)weightOf[i], length));
        }
        _offsets = tensor(offsets, device: device);
        _old = tensor(oldValues.ToArray(), device: device);
        _reference = reference is null ? null : tensor(referenceValues.ToArray(), device: device);
        _advantages = tensor(advantages.ToArray(), device: device);
        _weights = tensor(weights.ToArray(), device: device);
    }

    /// <summary>The (prompt, completion) pairs to score, in row order.</summary>
    internal IReadOnlyList<ScoredSequence> Sequences { get; }

    /// <summary>The loss inputs of <paramref name="chunk"/>'s tokens.</summary>
    internal PolicyTokens Tokens(TokenChunk chunk)
    {
        var flat = _offsets.index_select(0, chunk.Sequence) + chunk.Position;
        return new PolicyTokens(
            chunk.LogProbs,
            _old.index_select(0, flat),
            _reference?.index_select(0, flat),
            _advantages.index_select(0, flat),
            chunk.Entropy,
            _weights.index_select(0, flat));
    }
}
