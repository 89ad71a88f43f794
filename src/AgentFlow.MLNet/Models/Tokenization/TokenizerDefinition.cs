namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// What a <see cref="ModelTokenizer"/> was built from, kept beside the working tokenizer because
/// Microsoft.ML.Tokenizers does not give its data back: with it the tokenizer can be written out again
/// (<see cref="ModelTokenizer.Save"/>, <see cref="ModelTokenizer.ToGgufVocabulary"/>).
/// </summary>
internal abstract record TokenizerDefinition;

/// <summary>A byte-level BPE vocabulary, whichever file it came from (tokenizer.json, vocab.json + merges.txt, GGUF <c>gpt2</c>).</summary>
/// <param name="Vocabulary">Token text in <see cref="ByteLevelAlphabet"/> characters → id (some files list added tokens here too).</param>
/// <param name="Merges">"left right" merges, best first.</param>
/// <param name="Pattern">The word-splitting regex (<see cref="PreTokenizerPatterns"/>).</param>
/// <param name="Nfc">The text is NFC-normalised first.</param>
/// <param name="IgnoreMerges">Words found whole in the vocabulary are one token (Llama 3).</param>
internal sealed record ByteLevelBpeDefinition(
    IReadOnlyDictionary<string, int> Vocabulary,
    IReadOnlyList<string> Merges,
    string Pattern,
    bool Nfc,
    bool IgnoreMerges) : TokenizerDefinition;

/// <summary>The bytes of a <c>tokenizer.model</c> file: a SentencePiece model (Llama 2) or tiktoken ranks (Llama 3).</summary>
/// <param name="Contents">The file, byte for byte.</param>
internal sealed record TokenizerModelDefinition(byte[] Contents) : TokenizerDefinition;
