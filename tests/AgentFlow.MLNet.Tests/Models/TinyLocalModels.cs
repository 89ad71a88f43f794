using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Tests.Models;

/// <summary>
/// Tiny complete models (network + real tokenizer + chat template) saved as GGUF files: a byte-level GPT-2 style
/// vocabulary of the 256 byte symbols plus ChatML's special tokens, so any text round-trips.
/// </summary>
internal static class TinyLocalModels
{
    internal const int EndOfText = 256, ImStart = 257, ImEnd = 258;

    internal static GgufVocabulary ByteVocabulary() => new(
        Model: "gpt2",
        PreTokenizer: "qwen2",
        Tokens: Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.CharFor((byte)b).ToString())
            .Concat(["<|endoftext|>", "<|im_start|>", "<|im_end|>"]).ToArray(),
        Scores: null,
        TokenTypes: Enumerable.Range(0, 259).Select(i => i < 256 ? 1 : 3).ToArray(),
        Merges: [],
        BosTokenId: null,
        EosTokenId: ImEnd,
        UnknownTokenId: null,
        PaddingTokenId: EndOfText,
        AddBosToken: false,
        AddEosToken: false,
        ChatTemplate: "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}");

    internal static CausalLMConfig Config() => TinyModels.Qwen2() with { VocabSize = 259, EosTokenIds = [ImEnd] };

    /// <summary><see cref="Config"/> with the head_dim llama.cpp's qwen2 architecture takes, as GGUF files need.</summary>
    internal static CausalLMConfig GgufConfig() => Config() with { HeadDim = TinyModels.LlamaCppHeadDim };

    /// <summary>Writes a seeded tiny Qwen2 model with the byte vocabulary to <paramref name="path"/> (F32) and returns it.</summary>
    internal static CausalLM SaveGguf(string path, int seed = 1)
    {
        var model = TinyModels.Create(GgufConfig(), seed);
        CausalLMCheckpoint.WriteGguf(model, path, AgentFlow.MLNet.Models.Gguf.GgmlType.F32, ByteVocabulary());
        return model;
    }
}
