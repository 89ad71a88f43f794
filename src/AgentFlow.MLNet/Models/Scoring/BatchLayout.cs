using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Scoring;

/// <summary>
/// A batch of (prompt, completion) pairs right-padded into one tensor (padding sits after every real token, so causal
/// attention needs no padding mask), with the flat indices of the positions
/// whose next token is a completion token: position p + j − 1 of row i predicts completion token j.
/// </summary>
internal sealed record BatchLayout(
    Tensor Ids,
    Tensor FlatPositions,
    Tensor Targets,
    Tensor Sequence,
    Tensor Position,
    Tensor Mask,
    long Tokens)
{
    internal static BatchLayout Create(IReadOnlyList<ScoredSequence> batch, Device device)
    {
        int rows = batch.Count;
        int length = batch.Max(s => s.PromptIds.Count + s.CompletionIds.Count);
        int longestCompletion = batch.Max(s => s.CompletionIds.Count);
        var ids = new long[rows * length];
        var flat = new List<long>();
        var targets = new List<long>();
        var sequence = new List<long>();
        var position = new List<long>();
        var mask = new float[rows * longestCompletion];
        for (int i = 0; i < rows; i++)
        {
            var (prompt, completion) = (batch[i].PromptIds, batch[i].CompletionIds);
            for (int t = 0; t < prompt.Count + completion.Count; t++)
            {
                ids[i * length + t] = t < prompt.Count ? prompt[t] : completion[t - prompt.Count];
            }
            for (int j = 0; j < completion.Count; j++)
            {
                flat.Add((long)i * length + prompt.Count - 1 + j);
                targets.Add(completion[j]);
                sequence.Add(i);
                position.Add(j);
                mask[i * longestCompletion + j] = 1;
            }
        }
        return new BatchLayout(
            tensor(ids, device: device).reshape(rows, length),
            tensor(flat.ToArray(), device: device),
            tensor(targets.ToArray(), device: device),
            tensor(sequence.ToArray(), device: device),
            tensor(position.ToArray(), device: device),
            tensor(mask, device: device).reshape(rows, longestCompletion),
            flat.Count);
    }

    /// <summary>Scatters flat per-token values back to [sequences, longest completion], zero where padded.</summary>
    internal Tensor Unflatten(Tensor values)
    {
        long width = Mask.shape[1];
        var result = zeros(Mask.shape[0] * width, dtype: values.dtype, device: values.device);
        return result.index_put_(values, Sequence * width + Position).reshape(Mask.shape[0], width);
    }
}
