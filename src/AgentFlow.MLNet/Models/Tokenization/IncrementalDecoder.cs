namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// Turns a stream of token ids into text deltas. Byte-level tokens can end inside a multi-byte character, so a
/// delta stops at the last complete character; special tokens (EOS and the like) produce no text.
/// </summary>
public sealed class IncrementalDecoder(ModelTokenizer tokenizer)
{
    private readonly List<int> _ids = [];
    private int _emitted;

    /// <summary>Every id added so far.</summary>
    public IReadOnlyList<int> Ids => _ids;

    /// <summary>The text decoded from every id added so far (a trailing partial character shows as U+FFFD).</summary>
    public string Text => tokenizer.Decode(_ids, skipSpecialTokens: true);

    /// <summary>Adds one token and returns the newly completed text (possibly empty).</summary>
    public string Add(int token)
    {
        _ids.Add(token);
        string text = Text;
        int complete = text.EndsWith('\uFFFD') ? text.TrimEnd('\uFFFD').Length : text.Length;
        if (complete <= _emitted)
            return "";
        string delta = text[_emitted..complete];
        _emitted = complete;
        return delta;
    }

    /// <summary>Whatever text is still held back (an incomplete character at the very end).</summary>
    public string Flush()
    {
        string text = Text;
        string rest = text.Length > _emitted ? text[_emitted..] : "";
        _emitted = text.Length;
        return rest;
    }
}
