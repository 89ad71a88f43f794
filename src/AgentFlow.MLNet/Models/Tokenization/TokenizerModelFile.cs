namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// Tells the two formats that share the name <c>tokenizer.model</c> apart: a SentencePiece model (binary
/// protobuf, Llama 2) or a tiktoken rank file (text lines "base64 rank", Llama 3).
/// </summary>
internal static class TokenizerModelFile
{
    /// <summary>The conventional file name.</summary>
    public const string FileName = "tokenizer.model";

    /// <summary>True when <paramref name="path"/> holds tiktoken text: its first line is base64, one space, and a rank.</summary>
    public static bool IsTiktoken(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[512];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        var firstLine = buffer.AsSpan(0, read);
        var end = firstLine.IndexOf('\n');
        if (end < 0)
            return false;
        firstLine = firstLine[..end].TrimEnd('\r');
        var space = firstLine.IndexOf(' ');
        return space > 0
            && IsBase64(firstLine[..space])
            && IsDigits(firstLine[(space + 1)..]);
    }

    private static bool IsBase64(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
                return false;
        }
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return false;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
                return false;
        }
        return true;
    }
}
