using AgentFlow.MLNet.Text;
using Microsoft.ML.Tokenizers;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// The tokenizer of a local causal LM (Llama / Qwen2 family): a Microsoft.ML.Tokenizers tokenizer plus what the
/// model files say around it — added/special tokens, BOS/EOS, whether BOS is prepended, and the chat template.
/// Every file format of one vocabulary (tokenizer.json, vocab.json + merges.txt, GGUF) gives the same ids.
/// </summary>
/// <remarks>Instances are immutable and safe to share between threads.</remarks>
public sealed class ModelTokenizer
{
    private readonly HashSet<int> _skippedBySkipSpecialTokens;

    internal ModelTokenizer(
        Tokenizer inner,
        IEnumerable<AddedToken> addedTokens,
        int baseVocabularySize,
        int? bosTokenId,
        int? eosTokenId,
        bool addBosToken,
        string? chatTemplateText,
        TokenizerDefinition definition,
        GgufVocabulary? ggufVocabulary = null,
        IEnumerable<string>? warnings = null)
    {
        var added = addedTokens.ToArray();
        var tolerated = warnings?.ToList() ?? [];
        if (addBosToken && bosTokenId is null)
        {
            // llama.cpp would prepend a made-up default id; encoding without BOS is the honest fallback.
            tolerated.Add("The tokenizer files ask for a BOS token before every prompt (add_bos_token) but name no BOS token " +
                "that exists; prompts are encoded without one.");
            addBosToken = false;
        }
        Inner = inner;
        AddedTokens = added;
        Definition = definition;
        GgufVocabulary = ggufVocabulary;
        SpecialTokens = added.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal).AsReadOnly();
        _skippedBySkipSpecialTokens = added.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        VocabSize = Math.Max(baseVocabularySize, added.Length == 0 ? 0 : added.Max(t => t.Id) + 1);
        BosTokenId = bosTokenId;
        EosTokenId = eosTokenId;
        AddBosToken = addBosToken;
        ChatTemplateText = chatTemplateText;
        Warnings = tolerated.AsReadOnly();
    }

    /// <summary>The Microsoft.ML.Tokenizers tokenizer doing the work (BpeTokenizer, TiktokenTokenizer or LlamaTokenizer).</summary>
    public Tokenizer Inner { get; }

    /// <summary>
    /// Tokens matched whole wherever they appear in the text (<c>&lt;|im_start|&gt;</c>, <c>&lt;think&gt;</c>...):
    /// the added tokens of tokenizer.json / tokenizer_config.json, the control and user-defined tokens of GGUF.
    /// </summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>Highest token id + 1, special tokens included (a model's embedding may have more rows).</summary>
    public int VocabSize { get; }

    /// <summary>Beginning-of-sequence token id, or null when the files name none (Qwen has none).</summary>
    public int? BosTokenId { get; }

    /// <summary>End-of-sequence token id (for an instruct model usually the end-of-turn token), or null when the files name none.</summary>
    public int? EosTokenId { get; }

    /// <summary>
    /// Whether the model expects BOS before a prompt (<c>add_bos_token</c>, Llama 3's post-processor, GGUF
    /// <c>add_bos_token</c>). <see cref="Encode"/> never adds it by itself: pass <c>addBos: AddBosToken</c>, and not
    /// for text rendered by a chat template that already starts with BOS (<c>ChatTemplate.RendersBosToken</c>).
    /// Always false when there is no <see cref="BosTokenId"/> (a line in <see cref="Warnings"/> says so if the files asked for one).
    /// </summary>
    public bool AddBosToken { get; }

    /// <summary>
    /// What the files held that was tolerated rather than used, one line each: e.g. a BOS/EOS token or id that names no
    /// token, which is then absent (null <see cref="BosTokenId"/> / <see cref="EosTokenId"/>). Empty when nothing was.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The raw Jinja chat template the files carry, when they carry one.</summary>
    public string? ChatTemplateText { get; }

    /// <summary>The added tokens behind <see cref="SpecialTokens"/>, with their special flags, by id.</summary>
    internal IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>The data this tokenizer was built from, for writing it back out.</summary>
    internal TokenizerDefinition Definition { get; }

    /// <summary>The GGUF metadata this tokenizer was read from, kept whole (scores, token types) for re-export; null otherwise.</summary>
    internal GgufVocabulary? GgufVocabulary { get; }

    /// <summary>
    /// Token ids of <paramref name="text"/>. Special tokens written in the text (e.g. <c>&lt;|im_end|&gt;</c>) become
    /// their ids, so chat-template output encodes as the model was trained.
    /// </summary>
    /// <param name="text">The text; may be empty.</param>
    /// <param name="addBos">Prepend <see cref="BosTokenId"/>.</param>
    /// <remarks>
    /// A lone UTF-16 surrogate (half a pair: not Unicode text, so it has no UTF-8 bytes) is encoded as U+FFFD, the
    /// replacement character, as tiktoken and .NET's own UTF-8 encoder do, never as the bytes of its code unit (which
    /// are not UTF-8 and which Microsoft.ML.Tokenizers would otherwise emit). The agent, the trainer, the ML.NET surface
    /// and the command line refuse such questions before they get here, naming where the surrogate is.
    /// </remarks>
    /// <exception cref="InvalidOperationException"><paramref name="addBos"/> is true but there is no BOS token.</exception>
    public IReadOnlyList<int> Encode(string text, bool addBos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Utf16Text.IndexOfLoneSurrogate(text) >= 0)
            text = Utf16Text.ReplaceLoneSurrogates(text);
        var ids = Inner.EncodeToIds(text);
        if (!addBos)
            return ids;
        if (BosTokenId is not { } bos)
            throw new InvalidOperationException("This tokenizer has no BOS token; encode with addBos: false.");
        var withBos = new int[ids.Count + 1];
        withBos[0] = bos;
        for (var i = 0; i < ids.Count; i++)
            withBos[i + 1] = ids[i];
        return withBos;
    }

    /// <summary>
    /// The text of <paramref name="ids"/>. Ids with no token (the padding rows a model's embedding may have past
    /// <see cref="VocabSize"/>) decode to nothing, as in Hugging Face tokenizers.
    /// </summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">
    /// Leave out the tokens flagged special (<c>&lt;|im_start|&gt;</c>, <c>&lt;|endoftext|&gt;</c>); added tokens that are
    /// not special (Qwen's <c>&lt;think&gt;</c>, <c>&lt;tool_call&gt;</c>) stay, as in Hugging Face's <c>skip_special_tokens</c>.
    /// </param>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var kept = skipSpecialTokens ? ids.Where(id => !_skippedBySkipSpecialTokens.Contains(id)) : ids;
        return Inner switch
        {
            // Both default to dropping special tokens; which ones to drop is decided above instead.
            BpeTokenizer bpe => bpe.Decode(kept, considerSpecialTokens: true),
            SentencePieceTokenizer sentencePiece => sentencePiece.Decode(kept, considerSpecialTokens: true),
            _ => Inner.Decode(kept),
        };
    }

    /// <summary>
    /// Writes this tokenizer to <paramref name="folder"/> (created if needed) as Hugging Face files that
    /// <see cref="Load"/>, transformers and vLLM read, giving the same ids: <c>tokenizer.json</c> for a byte-level BPE
    /// vocabulary, the <c>tokenizer.model</c> it came from for SentencePiece and tiktoken ones, and always
    /// <c>tokenizer_config.json</c> (added tokens, BOS/EOS, <c>add_bos_token</c>, the chat template). Tokenizer files of
    /// another kind already in the folder are removed, since the loader could prefer them.
    /// </summary>
    /// <param name="folder">The model folder to write into.</param>
    public void Save(string folder) => TokenizerFileWriter.Write(this, folder);

    /// <summary>
    /// This tokenizer as GGUF <c>tokenizer.ggml.*</c> metadata (what <c>CausalLMCheckpoint.SaveGguf</c> embeds), with
    /// exactly <paramref name="tokenCount"/> tokens: llama.cpp needs one per embedding row, so ids from
    /// <see cref="VocabSize"/> up are filled with unused <c>[PAD{id}]</c> tokens, as llama.cpp's converter does.
    /// Byte-level BPE vocabularies become GGUF <c>gpt2</c> vocabularies; one read from a GGUF file is returned as read.
    /// </summary>
    /// <param name="tokenCount">Tokens to write, usually the model's <c>vocab_size</c>; at least <see cref="VocabSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokenCount"/> is below <see cref="VocabSize"/>.</exception>
    /// <exception cref="NotSupportedException">
    /// A SentencePiece or tiktoken <c>tokenizer.model</c> (convert its model folder with llama.cpp's converter), or a
    /// byte-level split pattern that no <c>tokenizer.ggml.pre</c> name reproduces.
    /// </exception>
    public GgufVocabulary ToGgufVocabulary(int tokenCount) => GgufVocabularyExport.Create(this, tokenCount);

    /// <summary>
    /// Loads the tokenizer of a model folder, or of one tokenizer file. In a folder, a SentencePiece
    /// <c>tokenizer.model</c> (Llama 2) comes first, then <c>tokenizer.json</c>, then <c>vocab.json</c> +
    /// <c>merges.txt</c>, then a tiktoken <c>tokenizer.model</c> (Llama 3); <c>tokenizer_config.json</c> beside it
    /// adds tokens, BOS/EOS, <c>add_bos_token</c> and the chat template (or <c>chat_template.jinja</c> does).
    /// </summary>
    /// <param name="path">A model folder, a tokenizer.json file, or a tokenizer.model file.</param>
    /// <exception cref="FileNotFoundException">No tokenizer file is there; the message lists what was looked for.</exception>
    /// <exception cref="InvalidDataException">A file is malformed; the message names the file and field.</exception>
    /// <exception cref="NotSupportedException">A valid tokenizer of a kind this class does not implement.</exception>
    public static ModelTokenizer Load(string path) => TokenizerFolder.Load(path);

    /// <summary>A byte-level BPE tokenizer from a Hugging Face <c>tokenizer.json</c> (and its <c>tokenizer_config.json</c>).</summary>
    /// <param name="tokenizerJsonPath">The tokenizer.json file.</param>
    /// <param name="tokenizerConfigPath">The tokenizer_config.json file, or null to read none.</param>
    public static ModelTokenizer FromTokenizerJson(string tokenizerJsonPath, string? tokenizerConfigPath = null) =>
        HuggingFaceTokenizerFiles.FromTokenizerJson(
            tokenizerJsonPath, tokenizerConfigPath is null ? null : TokenizerConfigJson.Read(tokenizerConfigPath));

    /// <summary>
    /// A byte-level BPE tokenizer from GPT-2 style <c>vocab.json</c> + <c>merges.txt</c> (with or without a
    /// <c>#version</c> line), split with the Qwen2 pattern and NFC-normalised as Qwen2's tokenizer does.
    /// </summary>
    /// <param name="vocabJsonPath">The vocab.json file.</param>
    /// <param name="mergesPath">The merges.txt file.</param>
    /// <param name="specialTokens">Tokens that vocab.json lacks (Qwen's <c>&lt;|im_start|&gt;</c> = 151644 ...), all treated as special.</param>
    public static ModelTokenizer FromVocabAndMerges(string vocabJsonPath, string mergesPath, IReadOnlyDictionary<string, int>? specialTokens = null) =>
        HuggingFaceTokenizerFiles.FromVocabAndMerges(
            vocabJsonPath,
            mergesPath,
            specialTokens?.Select(t => new AddedToken(t.Value, t.Key, Special: true)).ToArray() ?? [],
            config: null);

    /// <summary>
    /// The tokenizer a GGUF file describes: <c>gpt2</c> = byte-level BPE from tokens + merges, split by the pattern
    /// <c>tokenizer.ggml.pre</c> names; <c>llama</c> = SentencePiece BPE from tokens + scores + types. Control (3)
    /// and user-defined (4) tokens become <see cref="SpecialTokens"/>; control ones are skipped by
    /// <c>Decode(skipSpecialTokens: true)</c>. A BOS/EOS/unknown/padding id outside the tokens is no token, with a line
    /// in <see cref="Warnings"/>, as llama.cpp reads such a file.
    /// </summary>
    /// <param name="vocabulary">The <c>tokenizer.ggml.*</c> metadata.</param>
    public static ModelTokenizer FromGguf(GgufVocabulary vocabulary) => GgufTokenizer.Create(vocabulary);

    /// <summary>
    /// A byte-level BPE tokenizer with no merges, for tiny models trained from scratch: ids 0–255 are the bytes of the
    /// UTF-8 text (as GPT-2 byte symbols, so <see cref="Save"/> writes a standard <c>tokenizer.json</c>),
    /// <paramref name="specialTokens"/> follow from 256 in order. Any text round-trips exactly.
    /// </summary>
    /// <param name="specialTokens">Special tokens, e.g. <c>&lt;|im_start|&gt;</c>, <c>&lt;|im_end|&gt;</c>, <c>&lt;|endoftext|&gt;</c>.</param>
    /// <param name="eosToken">Which of <paramref name="specialTokens"/> ends a sequence (<see cref="EosTokenId"/>), if any.</param>
    /// <param name="chatTemplateText">The Jinja chat template to carry (<see cref="ChatTemplateText"/>), if any.</param>
    public static ModelTokenizer ByteLevel(IReadOnlyList<string>? specialTokens = null, string? eosToken = null, string? chatTemplateText = null)
    {
        specialTokens ??= [];
        var added = specialTokens.Select((content, i) => new AddedToken(256 + i, content, Special: true)).ToArray();
        if (added.Select(t => t.Content).Distinct(StringComparer.Ordinal).Count() != added.Length || added.Any(t => t.Content.Length == 0))
            throw new ArgumentException("Special tokens must be distinct and non-empty.", nameof(specialTokens));
        int? eosId = eosToken is null
            ? null
            : Array.Find(added, t => t.Content == eosToken)?.Id
              ?? throw new ArgumentException($"eosToken '{eosToken}' is not one of the special tokens.", nameof(eosToken));

        var definition = new ByteLevelBpeDefinition(
            Enumerable.Range(0, 256).ToDictionary(b => ByteLevelAlphabet.CharFor((byte)b).ToString(), b => b),
            Merges: [], PreTokenizerPatterns.Gpt2, Nfc: false, IgnoreMerges: false);
        var inner = ByteLevelBpe.Create(definition, added.ToDictionary(t => t.Content, t => t.Id), source: "byte-level tokenizer");
        return new ModelTokenizer(inner, added, baseVocabularySize: 256, bosTokenId: null, eosId, addBosToken: false, chatTemplateText, definition);
    }
}
