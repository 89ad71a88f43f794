using System.Threading.Channels;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Models.Serving;

/// <summary>
/// One queued chat request: its tokens and sampling, the text decoded so far, and where its result and streamed
/// text go. Stop sequences are applied to the text (OpenAI semantics: the sequence and what follows are not
/// returned); text that could be the start of a stop sequence is held back from the stream until it is clear.
/// </summary>
internal sealed class PendingRequest
{
    private readonly ModelTokenizer _tokenizer;
    private readonly List<int> _ids = [];
    private readonly int _holdBack;
    private int _streamed;

    internal PendingRequest(IReadOnlyList<int> promptIds, SamplingOptions sampling, IReadOnlyList<string> stopSequences, ModelTokenizer tokenizer, bool streaming, CancellationToken cancellationToken)
    {
        PromptIds = promptIds;
        Sampling = sampling;
        StopSequences = stopSequences;
        _tokenizer = tokenizer;
        _holdBack = stopSequences.Count == 0 ? 0 : stopSequences.Max(s => s.Length) - 1;
        Deltas = streaming ? Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }) : null;
        CancellationToken = cancellationToken;
    }

    internal IReadOnlyList<int> PromptIds { get; }

    internal SamplingOptions Sampling { get; }

    internal IReadOnlyList<string> StopSequences { get; }

    /// <summary>Text deltas for a streaming caller; null when not streaming.</summary>
    internal Channel<string>? Deltas { get; }

    internal CancellationToken CancellationToken { get; }

    internal TaskCompletionSource<GeneratedSequence> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The response text: everything decoded, cut before the first stop sequence.</summary>
    internal string FinalText
    {
        get => _finalText ??= _tokenizer.Decode(_ids, skipSpecialTokens: true);
        private set => _finalText = value;
    }

    private string? _finalText;

    /// <summary>Whether each token's text is needed as it arrives (streaming or stop sequences); otherwise the text is decoded once at the end.</summary>
    private bool WatchesText => Deltas is not null || StopSequences.Count > 0;

    /// <summary>
    /// Takes the next token, streams what is safe to show, and says whether this request is finished (cancelled, a
    /// stop sequence appeared, or its own token limit was reached), which frees its place in the batch.
    /// </summary>
    internal FinishReason? Accept(int token)
    {
        if (CancellationToken.IsCancellationRequested)
            return FinishReason.Cancelled;
        _ids.Add(token);
        if (!WatchesText)
            return _ids.Count >= Sampling.MaxNewTokens ? FinishReason.Length : null;
        string text = _tokenizer.Decode(_ids, skipSpecialTokens: true);
        int complete = text.EndsWith('\uFFFD') ? text.TrimEnd('\uFFFD').Length : text.Length;

        int? stopAt = StopSequences.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).Select(i => (int?)i).Min();
        if (stopAt is int cut)
        {
            FinalText = text[..cut];
            return FinishReason.Stop;
        }
        FinalText = text;
        Stream(Math.Max(_streamed, complete - _holdBack));
        return _ids.Count >= Sampling.MaxNewTokens ? FinishReason.Length : null;
    }

    /// <summary>Streams the rest of the final text and closes the stream.</summary>
    internal void CompleteStream(Exception? error = null)
    {
        if (error is null)
            Stream(FinalText.Length);
        Deltas?.Writer.TryComplete(error);
    }

    private void Stream(int end)
    {
        end = Math.Min(end, FinalText.Length);
        if (end <= _streamed)
            return;
        Deltas?.Writer.TryWrite(FinalText[_streamed..end]);
        _streamed = end;
    }
}
