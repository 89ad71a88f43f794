using System.Text;
using Microsoft.ML.Tokenizers;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// Builds the Microsoft.ML.Tokenizers tokenizer for a byte-level BPE vocabulary (GPT-2, Qwen2, Llama 3),
/// whichever file format it came from, so every format of one vocabulary gives the same ids.
/// </summary>
internal static class ByteLevelBpe
{
    /// <summary>A tokenizer over a byte-level vocabulary; added tokens are matched whole in the text before the split.</summary>
    /// <param name="definition">
    /// The vocabulary, merges, split pattern and normalisation. With <see cref="ByteLevelBpeDefinition.IgnoreMerges"/>
    /// a word found whole in the vocabulary becomes that one token before any merge is tried (Llama 3, which is how
    /// tiktoken encodes). BpeTokenizer has no such switch, so these vocabularies are handed to TiktokenTokenizer with
    /// each token's id as its tiktoken rank; that is exact for tiktoken conversions, whose merges are ordered by the
    /// id of the token they make (checked here).
    /// </param>
    /// <param name="addedTokens">Tokens matched whole (content → id).</param>
    /// <param name="source">The file(s) the data came from, for error messages.</param>
    public static Tokenizer Create(ByteLevelBpeDefinition definition, IReadOnlyDictionary<string, int> addedTokens, string source)
    {
        var (vocabulary, merges) = (definition.Vocabulary, definition.Merges);
        var preTokenizer = new RegexPreTokenizer(PreTokenizerPatterns.Compile(definition.Pattern, source), addedTokens);
        var normalizer = definition.Nfc ? NfcNormalizer.Instance : null;
        if (definition.IgnoreMerges)
            return CreateTiktoken(vocabulary, merges, addedTokens, preTokenizer, normalizer, source);

        try
        {
            return BpeTokenizer.Create(new BpeOptions(vocabulary)
            {
                Merges = merges,
                SpecialTokens = addedTokens,
                PreTokenizer = preTokenizer,
                Normalizer = normalizer,
                ByteLevel = true,
            });
        }
        catch (InvalidOperationException e)
        {
            // BpeTokenizer reports merges whose parts or result are not in the vocabulary this way.
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    private static TiktokenTokenizer CreateTiktoken(
        IReadOnlyDictionary<string, int> vocabulary,
        IReadOnlyList<string> merges,
        IReadOnlyDictionary<string, int> addedTokens,
        PreTokenizer preTokenizer,
        Normalizer? normalizer,
        string source)
    {
        RequireMergesInRankOrder(vocabulary, merges, source);

        // TiktokenTokenizer reads ranks only from its text format: one "base64(bytes) rank" line per token.
        var ranks = new StringBuilder(vocabulary.Count * 16);
        foreach (var (token, id) in vocabulary)
        {
            if (addedTokens.ContainsKey(token))
                continue;
            if (!ByteLevelAlphabet.TryGetBytes(token, out var bytes))
                throw new InvalidDataException($"{source}: vocabulary token '{token}' (id {id}) is not byte-level text.");
            ranks.Append(Convert.ToBase64String(bytes)).Append(' ').Append(id).Append('\n');
        }
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(ranks.ToString()));
        return TiktokenTokenizer.Create(stream, preTokenizer, normalizer, addedTokens);
    }

    private static void RequireMergesInRankOrder(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<string> merges, string source)
    {
        var previous = -1;
        for (var i = 0; i < merges.Count; i++)
        {
            var merge = merges[i];
            var space = merge.IndexOf(' ');
            if (!vocabulary.TryGetValue(string.Concat(merge.AsSpan(0, space), merge.AsSpan(space + 1)), out var rank))
                throw new InvalidDataException($"{source}: merge {i} '{merge}' makes a token that is not in the vocabulary.");
            if (rank < previous)
                throw new NotSupportedException(
                    $"{source}: ignore_merges is only supported for tiktoken-converted vocabularies, whose merges are ordered by the id of the token they make; merge {i} '{merge}' is not.");
            previous = rank;
        }
    }
}
