using Microsoft.ML.Tokenizers;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>Builds a <see cref="ModelTokenizer"/> from each kind of Hugging Face / Meta tokenizer file.</summary>
internal static class HuggingFaceTokenizerFiles
{
    /// <summary>tokenizer.json (+ tokenizer_config.json).</summary>
    public static ModelTokenizer FromTokenizerJson(string tokenizerJsonPath, TokenizerConfigJson? config)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenizerJsonPath);
        var json = TokenizerJson.Read(tokenizerJsonPath);
        var added = MergeAddedTokens(json.AddedTokens, config?.AddedTokens, tokenizerJsonPath);
        var addedById = ToDictionary(added);

        var definition = new ByteLevelBpeDefinition(json.Vocabulary, json.Merges, json.PreTokenizerPattern, json.NfcNormalization, json.IgnoreMerges);
        var inner = ByteLevelBpe.Create(definition, addedById, tokenizerJsonPath);
        var source = config is null ? tokenizerJsonPath : $"{tokenizerJsonPath}' + '{TokenizerConfigJson.FileName}";
        var bosToken = config?.BosToken ?? json.PrependedToken;
        var warnings = new List<string>();
        return new ModelTokenizer(
            inner,
            added,
            BaseVocabularySize(json.Vocabulary),
            ResolveId(bosToken, addedById, json.Vocabulary, source, "bos_token", warnings),
            ResolveId(config?.EosToken, addedById, json.Vocabulary, source, "eos_token", warnings),
            config?.AddBosToken ?? json.PrependedToken is not null,
            config?.ChatTemplate,
            definition,
            warnings: warnings);
    }

    /// <summary>vocab.json + merges.txt (+ tokenizer_config.json, whose added tokens join <paramref name="specialTokens"/>).</summary>
    public static ModelTokenizer FromVocabAndMerges(string vocabJsonPath, string mergesPath, IReadOnlyList<AddedToken> specialTokens, TokenizerConfigJson? config)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabJsonPath);
        ArgumentException.ThrowIfNullOrEmpty(mergesPath);
        var vocabulary = VocabAndMergesFiles.ReadVocabulary(vocabJsonPath);
        var merges = VocabAndMergesFiles.ReadMerges(mergesPath);
        var added = MergeAddedTokens(specialTokens, config?.AddedTokens, vocabJsonPath);
        var addedById = ToDictionary(added);

        var definition = new ByteLevelBpeDefinition(vocabulary, merges, PreTokenizerPatterns.Qwen2, Nfc: true, IgnoreMerges: false);
        var inner = ByteLevelBpe.Create(definition, addedById, $"'{vocabJsonPath}' + '{mergesPath}'");
        var warnings = new List<string>();
        return new ModelTokenizer(
            inner,
            added,
            BaseVocabularySize(vocabulary),
            ResolveId(config?.BosToken, addedById, vocabulary, TokenizerConfigJson.FileName, "bos_token", warnings),
            ResolveId(config?.EosToken, addedById, vocabulary, TokenizerConfigJson.FileName, "eos_token", warnings),
            config?.AddBosToken ?? false,
            config?.ChatTemplate,
            definition,
            warnings: warnings);
    }

    /// <summary>
    /// A Llama 3 tiktoken <c>tokenizer.model</c>: 128,000 ranks, the Llama 3 split pattern, and the special tokens
    /// of tokenizer_config.json or, when it lists none, <see cref="Llama3SpecialTokens"/> with their BOS and EOS.
    /// </summary>
    public static ModelTokenizer FromTiktokenModel(string path, TokenizerConfigJson? config)
    {
        var defaults = config is not { AddedTokens.Count: > 0 };
        var added = defaults ? Llama3SpecialTokens.Create() : config!.AddedTokens;
        var addedById = ToDictionary(added);
        var contents = File.ReadAllBytes(path);
        TiktokenTokenizer inner;
        try
        {
            using var stream = new MemoryStream(contents);
            inner = TiktokenTokenizer.Create(
                stream, new RegexPreTokenizer(PreTokenizerPatterns.Compile(PreTokenizerPatterns.Llama3, path), addedById), normalizer: null, addedById);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}' is not a valid tiktoken rank file: {e.Message}", e);
        }

        var warnings = new List<string>();
        return new ModelTokenizer(
            inner,
            added,
            Llama3SpecialTokens.FirstId,
            ResolveId(config?.BosToken ?? (defaults ? Llama3SpecialTokens.BeginOfText : null), addedById, NoVocabulary, path, "bos_token", warnings),
            ResolveId(config?.EosToken ?? (defaults ? Llama3SpecialTokens.EndOfText : null), addedById, NoVocabulary, path, "eos_token", warnings),
            config?.AddBosToken ?? true,
            config?.ChatTemplate,
            new TokenizerModelDefinition(contents),
            warnings: warnings);
    }

    /// <summary>
    /// A SentencePiece <c>tokenizer.model</c> (Llama 2): BOS/EOS from the model, added tokens from tokenizer_config.json.
    /// The model's BOS, EOS and unknown pieces are special tokens too, so "&lt;s&gt;" written by a chat template is BOS.
    /// </summary>
    public static ModelTokenizer FromSentencePieceModel(string path, TokenizerConfigJson? config)
    {
        var added = (config?.AddedTokens ?? []).ToList();
        var contents = File.ReadAllBytes(path);
        var inner = CreateSentencePiece(contents, path, added);
        var controls = new[]
            {
                new AddedToken(inner.BeginningOfSentenceId, inner.BeginningOfSentenceToken, Special: true),
                new AddedToken(inner.EndOfSentenceId, inner.EndOfSentenceToken, Special: true),
                new AddedToken(inner.UnknownId, inner.UnknownToken, Special: true),
            }
            .Where(c => added.All(a => a.Id != c.Id && a.Content != c.Content))
            .DistinctBy(c => c.Id)
            .ToList();
        if (controls.Count > 0)
        {
            // The ids of BOS/EOS/unknown are only known from the model, so it is read a second time with them.
            added.AddRange(controls);
            inner = CreateSentencePiece(contents, path, added);
        }
        return new ModelTokenizer(
            inner,
            added,
            inner.Vocabulary.Values.Max() + 1,
            inner.BeginningOfSentenceId,
            inner.EndOfSentenceId,
            config?.AddBosToken ?? true,
            config?.ChatTemplate,
            new TokenizerModelDefinition(contents));
    }

    private static LlamaTokenizer CreateSentencePiece(byte[] contents, string path, IReadOnlyList<AddedToken> added)
    {
        try
        {
            using var stream = new MemoryStream(contents);
            return LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false, added.Count == 0 ? null : ToDictionary(added));
        }
        catch (Exception e) when (e is Google.Protobuf.InvalidProtocolBufferException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}' is not a SentencePiece BPE model: {e.Message}", e);
        }
    }

    private static List<AddedToken> MergeAddedTokens(IEnumerable<AddedToken> primary, IEnumerable<AddedToken>? secondary, string source)
    {
        var byId = new Dictionary<int, AddedToken>();
        foreach (var token in primary.Concat(secondary ?? []))
            byId.TryAdd(token.Id, token);
        var duplicate = byId.Values.GroupBy(t => t.Content, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidDataException($"{source}: added token '{duplicate.Key}' has two ids ({string.Join(", ", duplicate.Select(t => t.Id))}).");
        return byId.Values.OrderBy(t => t.Id).ToList();
    }

    private static Dictionary<string, int> ToDictionary(IEnumerable<AddedToken> tokens) =>
        tokens.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);

    private static int BaseVocabularySize(IReadOnlyDictionary<string, int> vocabulary) =>
        vocabulary.Count == 0 ? 0 : vocabulary.Values.Max() + 1;

    // A tiktoken model's special tokens are all added tokens: there is no vocabulary to look them up in.
    private static readonly IReadOnlyDictionary<string, int> NoVocabulary = new Dictionary<string, int>();

    /// <summary>
    /// The id of a <c>bos_token</c>/<c>eos_token</c> text. One that is neither an added token nor in the vocabulary
    /// (transformers would append it as a new token, which the model has no embedding row for) is absent, with a warning.
    /// </summary>
    private static int? ResolveId(string? token, IReadOnlyDictionary<string, int> added, IReadOnlyDictionary<string, int> vocabulary,
        string source, string field, List<string> warnings)
    {
        if (token is null)
            return null;
        if (added.TryGetValue(token, out var id) || vocabulary.TryGetValue(token, out id))
            return id;
        warnings.Add($"'{source}': {field} '{token}' is neither an added token nor in the vocabulary; the tokenizer has no {field}.");
        return null;
    }
}
