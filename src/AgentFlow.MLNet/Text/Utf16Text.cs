using System.Text;

namespace AgentFlow.MLNet.Text;

/// <summary>
/// Checks and cuts for .NET strings, which are UTF-16 and may hold what is not Unicode text: a surrogate without its
/// pair has no UTF-8 bytes, so a tokenizer can only refuse it, replace it or (as Microsoft.ML.Tokenizers does) encode
/// bytes that are not UTF-8 at all. Every cut the library makes goes through <see cref="Prefix"/> so it never makes one.
/// </summary>
internal static class Utf16Text
{
    /// <summary>The index of the first surrogate in <paramref name="text"/> that is not half of a pair, or -1.</summary>
    internal static int IndexOfLoneSurrogate(ReadOnlySpan<char> text)
    {
        // Most text holds no surrogate at all; the vectorised search skips it in one pass.
        int offset = 0;
        while (true)
        {
            int found = text[offset..].IndexOfAnyInRange('\uD800', '\uDFFF');
            if (found < 0)
                return -1;
            int i = offset + found;
            if (!char.IsHighSurrogate(text[i]) || i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                return i;
            offset = i + 2;
        }
    }

    /// <summary>What the lone surrogate at <paramref name="index"/> is, for error messages: "a lone UTF-16 surrogate (U+D800) at index 5".</summary>
    internal static string DescribeLoneSurrogate(ReadOnlySpan<char> text, int index) =>
        $"a lone UTF-16 surrogate (U+{(int)text[index]:X4}) at index {index}";

    /// <summary><paramref name="text"/> with every lone surrogate replaced by U+FFFD, as .NET's UTF-8 encoder replaces it.</summary>
    internal static string ReplaceLoneSurrogates(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));

    /// <summary>The first <paramref name="length"/> characters of <paramref name="text"/>, one fewer where the cut would split a surrogate pair.</summary>
    internal static string Prefix(string text, int length)
    {
        if (length >= text.Length)
            return text;
        if (length > 0 && char.IsHighSurrogate(text[length - 1]) && char.IsLowSurrogate(text[length]))
            length--;
        return text[..length];
    }
}
