namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// The 256 special tokens after the 128,000 ranks of a Llama 3 <c>tokenizer.model</c>, which that file does not
/// list. The layout is Llama 3.1's (the first with tool calls: <c>&lt;|eom_id|&gt;</c>, <c>&lt;|python_tag|&gt;</c>);
/// the tokens chat prompts use (begin/end of text, header ids, <c>&lt;|eot_id|&gt;</c>) have the same ids in every
/// Llama 3 release. A <c>tokenizer_config.json</c> beside the file replaces this list.
/// </summary>
internal static class Llama3SpecialTokens
{
    /// <summary>Id of the first special token: the number of tiktoken ranks.</summary>
    public const int FirstId = 128000;

    /// <summary>Beginning of text (BOS).</summary>
    public const string BeginOfText = "<|begin_of_text|>";

    /// <summary>End of text (EOS of the base model).</summary>
    public const string EndOfText = "<|end_of_text|>";

    private const int Count = 256;

    private static readonly string[] Named =
    [
        BeginOfText, EndOfText, "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
        "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>", "<|end_header_id|>",
        "<|eom_id|>", "<|eot_id|>", "<|python_tag|>",
    ];

    /// <summary>All 256 tokens, special, ids 128000–128255; the unnamed ones are <c>&lt;|reserved_special_token_N|&gt;</c> from N = 2.</summary>
    public static IReadOnlyList<AddedToken> Create() =>
        Enumerable.Range(0, Count)
            .Select(i => new AddedToken(
                FirstId + i,
                i < Named.Length ? Named[i] : $"<|reserved_special_token_{i - Named.Length + 2}|>",
                Special: true))
            .ToArray();
}
