namespace AgentFlow.MLNet.Models.Generation;

/// <summary>
/// One sequence in a <see cref="DecodeBatch"/>: its prompt, its own effective sampling settings and random stream,
/// whether it uses the LoRA adapters, and what it has produced so far.
/// </summary>
internal sealed class DecodeRow
{
    private readonly HashSet<int> _stopTokenIds;
    private readonly Func<int, FinishReason?>? _onToken;
    private readonly List<int> _completion = [];
    private readonly List<float> _logProbs = [];

    /// <param name="promptIds">The prompt; at least one token, shorter than the context.</param>
    /// <param name="sampling">Effective sampling settings; <see cref="SamplingOptions.Seed"/> must be set.</param>
    /// <param name="useAdapters">Whether the row runs with the model's LoRA adapters.</param>
    /// <param name="contextLength">The model's context, which caps the row's budget.</param>
    /// <param name="onToken">Called after each token; a reason ends the row there (streaming, stop strings, cancellation).</param>
    internal DecodeRow(IReadOnlyList<int> promptIds, SamplingOptions sampling, bool useAdapters, int contextLength, Func<int, FinishReason?>? onToken = null)
    {
        PromptIds = promptIds;
        Sampling = sampling;
        UseAdapters = useAdapters;
        Budget = Math.Min(sampling.MaxNewTokens, contextLength - promptIds.Count);
        Random = new RowRandom(sampling.Seed ?? throw new ArgumentException("A decode row needs a seed.", nameof(sampling)));
        _stopTokenIds = sampling.StopTokenIds.ToHashSet();
        _onToken = onToken;
    }

    internal IReadOnlyList<int> PromptIds { get; }

    internal SamplingOptions Sampling { get; }

    internal bool UseAdapters { get; }

    /// <summary>Most tokens this row may generate: its own limit, capped by the room left in the context.</summary>
    internal int Budget { get; }

    internal RowRandom Random { get; }

    internal int Remaining => Budget - _completion.Count;

    internal FinishReason? Finish { get; private set; }

    /// <summary>Takes the sampled token and says whether the row has ended (and why).</summary>
    internal FinishReason? Accept(int token, float logProb)
    {
        _completion.Add(token);
        _logProbs.Add(logProb);
        var ended = _stopTokenIds.Contains(token) ? FinishReason.Stop
            : _completion.Count >= Budget ? FinishReason.Length
            : (FinishReason?)null;
        // The caller's verdict wins, except that a stop token stays a stop even at the token limit.
        ended = _onToken?.Invoke(token) switch
        {
            null => ended,
            FinishReason.Length when ended == FinishReason.Stop => FinishReason.Stop,
            var verdict => verdict,
        };
        Finish = ended;
        return ended;
    }

    /// <summary>Ends a row that never finished by itself (the whole decode was cancelled).</summary>
    internal void Cancel() => Finish ??= FinishReason.Cancelled;

    internal GeneratedSequence ToSequence(int promptIndex) =>
        new(promptIndex, PromptIds, _completion.ToArray(), _logProbs.ToArray(), Finish ?? FinishReason.Cancelled) { Sampling = Sampling };
}
