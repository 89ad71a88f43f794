namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// The tokenizer a GGUF file carries in its <c>tokenizer.ggml.*</c> metadata, as plain data: the GGUF
/// reader fills it and the tokenizer factory turns it into a working tokenizer.
/// </summary>
/// <param name="Model"><c>tokenizer.ggml.model</c>: <c>gpt2</c> (byte-level BPE) or <c>llama</c> (SentencePiece-style).</param>
/// <param name="PreTokenizer"><c>tokenizer.ggml.pre</c>, e.g. <c>qwen2</c>, <c>llama-bpe</c>, <c>default</c>; null when absent.</param>
/// <param name="Tokens"><c>tokenizer.ggml.tokens</c>: the token text of every id.</param>
/// <param name="Scores"><c>tokenizer.ggml.scores</c> (SentencePiece log-probabilities), when present.</param>
/// <param name="TokenTypes"><c>tokenizer.ggml.token_type</c> (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte), when present.</param>
/// <param name="Merges"><c>tokenizer.ggml.merges</c> ("a b" pairs, best first), when present.</param>
/// <param name="BosTokenId"><c>tokenizer.ggml.bos_token_id</c>.</param>
/// <param name="EosTokenId"><c>tokenizer.ggml.eos_token_id</c>.</param>
/// <param name="UnknownTokenId"><c>tokenizer.ggml.unknown_token_id</c>.</param>
/// <param name="PaddingTokenId"><c>tokenizer.ggml.padding_token_id</c>.</param>
/// <param name="AddBosToken"><c>tokenizer.ggml.add_bos_token</c>.</param>
/// <param name="AddEosToken"><c>tokenizer.ggml.add_eos_token</c>.</param>
/// <param name="ChatTemplate"><c>tokenizer.chat_template</c> (Jinja text), when present.</param>
public sealed record GgufVocabulary(
    string Model,
    string? PreTokenizer,
    IReadOnlyList<string> Tokens,
    IReadOnlyList<float>? Scores,
    IReadOnlyList<int>? TokenTypes,
    IReadOnlyList<string>? Merges,
    int? BosTokenId,
    int? EosTokenId,
    int? UnknownTokenId,
    int? PaddingTokenId,
    bool? AddBosToken,
    bool? AddEosToken,
    string? ChatTemplate);
