using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.Cli;

/// <summary>
/// Streams decoded text as tokens arrive. Byte-level tokens can end inside a multi-byte character, so text is
/// printed only up to the last complete character; special tokens (EOS and the like) are never printed.
/// </summary>
internal sealed class IncrementalPrinter(ModelTokenizer tokenizer, TextWriter output)
{
    private readonly List<int> _ids = [];
    private int _printed;

    internal void Add(int token)
    {
        _ids.Add(token);
        string text = tokenizer.Decode(_ids, skipSpecialTokens: true);
        int complete = text.EndsWith('\uFFFD') ? text.TrimEnd('\uFFFD').Length : text.Length;
        if (complete > _printed)
        {
            output.Write(text[_printed..complete]);
            output.Flush();
            _printed = complete;
        }
    }

    internal void Flush()
    {
        string text = tokenizer.Decode(_ids, skipSpecialTokens: true);
        if (text.Length > _printed)
            output.Write(text[_printed..]);
        output.Flush();
    }
}
