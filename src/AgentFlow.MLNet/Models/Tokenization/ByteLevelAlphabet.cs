namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// The GPT-2 byte-to-character table of byte-level BPE vocabularies: every byte gets a printable character
/// (printable Latin-1 bytes keep their own, the rest map to U+0100 onwards, so a space is 'Ġ' and a newline 'Ċ').
/// Vocabulary files store token text in these characters.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char CharFor(byte value) => ByteToChar[value];

    /// <summary>The bytes a vocabulary token stands for, or false when it has a character outside the table.</summary>
    public static bool TryGetBytes(string token, out byte[] bytes)
    {
        bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            if (!CharToByte.TryGetValue(token[i], out bytes[i]))
                return false;
        }
        return true;
    }

    private static char[] BuildTable()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}
