using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Tokenization;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>A Llama/Qwen2 model read from a GGUF file, in Hugging Face terms.</summary>
/// <param name="Config">The architecture. <see cref="CausalLMConfig.RopeScaling"/> is always null: GGUF carries
/// Llama-3.1 scaling as <paramref name="RopeFrequencyDivisors"/> instead.</param>
/// <param name="Weights">Every weight under its Hugging Face name in PyTorch layout (Llama q/k rows already
/// restored from llama.cpp's order). The caller owns the tensors and disposes them.</param>
/// <param name="Vocabulary">The tokenizer the file carries, or null when it has none.</param>
/// <param name="RopeFrequencyDivisors">The file's <c>rope_freqs.weight</c>: one divisor per rotary frequency
/// (<c>head_dim / 2</c>), by which <c>theta^(-2i/head_dim)</c> is divided; null when absent.</param>
public sealed record GgufModel(
    CausalLMConfig Config,
    IReadOnlyDictionary<string, Tensor> Weights,
    GgufVocabulary? Vocabulary,
    float[]? RopeFrequencyDivisors)
{
    /// <summary>
    /// What the file held that was tolerated rather than used, one line each: e.g. a special-token id that names no
    /// token (0xFFFFFFFF is how GGUF writers say "none"), which is then absent from <see cref="Vocabulary"/> and
    /// <see cref="Config"/>.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
