using System.Text;
using System.Threading.Channels;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Models.Serving;

/// <summary>
/// Follows one chat request's tokens as text: detokenises incrementally (only a short window of recent tokens is
/// decoded per token, so a long completion costs linear, not quadratic, time), applies stop sequences (OpenAI
/// semantics: the sequence and what follows are not returned), and streams what is safe to show, holding back text
/// that could still become a stop sequence or an incomplete character.
/// </summary>
internal sealed class ChatTextTracker
{
    private const char Incomplete = '\uFFFD';
    private const int MaxPendingTokens = 4;

    private readonly ModelTokenizer _tokenizer;
    private readonly IReadOnlyList<string> _stopSequences;
    private readonly int _holdBack;
    private readonly int _maxNewTokens;
    private readonly List<int> _ids = [];
    private readonly StringBuilder _text = new();
    private int _prefixOffset;   // decoding restarts here, so a token's text is seen with the token before it
    private int _readOffset;     // tokens up to here are in _text
    private int _streamed;
    private string? _finalText;

    internal ChatTextTracker(ModelTokenizer tokenizer, IReadOnlyList<string> stopSequences, int maxNewTokens, bool streaming)
    {
        _tokenizer = tokenizer;
        _stopSequences = stopSequences;
        _maxNewTokens = maxNewTokens;
        _holdBack = stopSequences.Count == 0 ? 0 : stopSequences.Max(s => s.Length) - 1;
        Deltas = streaming ? Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }) : null;
    }

    /// <summary>Tokens passed to the tokenizer's decoder so far (a few per token when watching text: the cost stays linear).</summary>
    internal long DecodedTokens { get; private set; }

    /// <summary>Text deltas for a streaming caller; null when not streaming.</summary>
    internal Channel<string>? Deltas { get; }

    /// <summary>The response text: everything decoded, cut before the first stop sequence.</summary>
    internal string FinalText => _finalText ??= _tokenizer.Decode(_ids, skipSpecialTokens: true);

    /// <summary>Whether each token's text is needed as it arrives (streaming or stop sequences); otherwise the text is decoded once at the end.</summary>
    private bool WatchesText => Deltas is not null || _stopSequences.Count > 0;

    /// <summary>Takes the next token (on the host's worker) and says whether a stop sequence or the token limit ended the request.</summary>
    internal FinishReason? Accept(int token)
    {
        _ids.Add(token);
        if (!WatchesText)
            return _ids.Count >= _maxNewTokens ? FinishReason.Length : null;

        // Incremental detokenisation: decode the window from the prefix offset, keep what is new beyond the read offset.
        // A trailing U+FFFD may be a character whose remaining bytes are still to come (at most three more byte
        // tokens); past that it is what the model really wrote, and it is text like any other.
        string window = _tokenizer.Decode(_ids.Skip(_prefixOffset), skipSpecialTokens: true);
        DecodedTokens += 2 * (_ids.Count - _prefixOffset);
        if (window.Length > 0 && window[^1] == Incomplete && _ids.Count - _readOffset < MaxPendingTokens)
            return _ids.Count >= _maxNewTokens ? FinishReason.Length : null;
        string known = _tokenizer.Decode(_ids.Skip(_prefixOffset).Take(_readOffset - _prefixOffset), skipSpecialTokens: true);
        int searchFrom = Math.Max(0, _text.Length - _holdBack);
        _text.Append(window.AsSpan(Math.Min(known.Length, window.Length)));
        _prefixOffset = _readOffset;
        _readOffset = _ids.Count;

        string text = _text.ToString();
        int? stopAt = null;
        foreach (string stop in _stopSequences)
        {
            int at = text.IndexOf(stop, searchFrom, StringComparison.Ordinal);
            if (at >= 0 && (stopAt is null || at < stopAt))
                stopAt = at;
        }
        if (stopAt is int cut)
        {
            _finalText = text[..cut];
            return FinishReason.Stop;
        }
        _finalText = null;
        Stream(text, Math.Max(_streamed, text.Length - _holdBack));
        return _ids.Count >= _maxNewTokens ? FinishReason.Length : null;
    }

    /// <summary>Streams the rest of the final text and closes the stream.</summary>
    internal void CompleteStream(Exception? error = null)
    {
        if (error is null)
            Stream(FinalText, FinalText.Length);
        Deltas?.Writer.TryComplete(error);
    }

    private void Stream(string text, int end)
    {
        end = Math.Min(end, text.Length);
        if (Deltas is null || end <= _streamed)
            return;
        Deltas.Writer.TryWrite(text[_streamed..end]);
        _streamed = end;
    }
}
