using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// The regular expressions that split text into words before byte-level BPE runs, one per model family.
/// They are the published patterns of each family; the same text split differently gives different ids.
/// </summary>
internal static class PreTokenizerPatterns
{
    /// <summary>Qwen2 / Qwen2.5 / Qwen3: a letter run may take one leading non-letter; every digit stands alone.</summary>
    public const string Qwen2 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Llama 3 (tiktoken cl100k style): as Qwen2, but digits group in runs of one to three.</summary>
    public const string Llama3 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>GPT-2: the pattern a tokenizer.json <c>ByteLevel</c> pre-tokenizer applies when <c>use_regex</c> is true.</summary>
    public const string Gpt2 =
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>
    /// Compiles <paramref name="pattern"/> for .NET. The patterns come from Rust/Oniguruma; the ones above mean the
    /// same in .NET (<c>\s</c> is the same Unicode set in both), but a foreign syntax such as a possessive
    /// quantifier is rejected here with the pattern named.
    /// </summary>
    /// <remarks>
    /// .NET matches UTF-16 code units, so a letter outside the Basic Multilingual Plane (a surrogate pair, e.g. a
    /// CJK Extension B ideograph) is not <c>\p{L}</c> here and may be split differently than by the Rust
    /// implementation. Emoji and other symbols are unaffected (they are neither letters nor digits in either).
    /// </remarks>
    public static Regex Compile(string pattern, string source)
    {
        try
        {
            return new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new NotSupportedException($"{source}: the pre-tokenizer pattern '{pattern}' is not valid .NET regular expression syntax ({e.Message}).", e);
        }
    }

    /// <summary>The pattern for a GGUF <c>tokenizer.ggml.pre</c> value, named the way llama.cpp names them.</summary>
    /// <exception cref="NotSupportedException">An unknown name: splitting with a guessed pattern would give wrong ids.</exception>
    public static string ForGgufPreTokenizer(string? name) => name switch
    {
        "qwen2" or "deepseek-r1-qwen" => Qwen2,
        "llama3" or "llama-v3" or "llama-bpe" => Llama3,
        // llama.cpp falls back to its GPT-2-like 'default' split when the value is missing; the GPT-2 pattern is
        // used here for both, which can differ from llama.cpp on runs of punctuation and long digit runs.
        null or "gpt-2" or "gpt2" or "default" => Gpt2,
        _ => throw new NotSupportedException(
            $"GGUF tokenizer.ggml.pre '{name}' is not supported; supported: qwen2, deepseek-r1-qwen, llama3, llama-v3, llama-bpe, gpt-2, default."),
    };
}
