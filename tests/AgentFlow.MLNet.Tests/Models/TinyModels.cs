using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models;

/// <summary>Tiny random Llama/Qwen2 models for tests: a few thousand parameters, seeded.</summary>
internal static class TinyModels
{
    internal static CausalLMConfig Llama(int heads = 4, int keyValueHeads = 2, bool tied = false, Llama3RopeScaling? scaling = null) => new()
    {
        ModelType = "llama",
        VocabSize = 61,
        HiddenSize = 32,
        IntermediateSize = 48,
        NumHiddenLayers = 2,
        NumAttentionHeads = heads,
        NumKeyValueHeads = keyValueHeads,
        RopeTheta = 500000,
        RopeScaling = scaling,
        MaxPositionEmbeddings = 128,
        TieWordEmbeddings = tied,
        BosTokenId = 1,
        EosTokenIds = [2],
    };

    /// <summary>
    /// Qwen2 layout: q/k/v bias, tied head, by default a head_dim (10) that is not hidden/heads. GGUF files need
    /// <see cref="LlamaCppHeadDim"/>: llama.cpp's qwen2 architecture holds no other.
    /// </summary>
    internal static CausalLMConfig Qwen2(int heads = 4, int keyValueHeads = 1, bool tied = true, int headDim = 10) => new()
    {
        ModelType = "qwen2",
        VocabSize = 67,
        HiddenSize = 24,
        IntermediateSize = 40,
        NumHiddenLayers = 2,
        NumAttentionHeads = heads,
        NumKeyValueHeads = keyValueHeads,
        HeadDim = headDim,
        RopeTheta = 1000000,
        MaxPositionEmbeddings = 96,
        TieWordEmbeddings = tied,
        AttentionBias = true,
        EosTokenIds = [3, 4],
    };

    /// <summary>The head_dim of <see cref="Qwen2"/> with the default 4 heads that llama.cpp's qwen2 takes: hidden (24) / heads.</summary>
    internal const int LlamaCppHeadDim = 6;

    /// <summary>A model with seeded weights; biases get random values too so their loading is really tested.</summary>
    internal static CausalLM Create(CausalLMConfig config, int seed = 1)
    {
        var model = new CausalLM(config);
        var generator = new Generator((ulong)seed);
        model.InitializeWeights(generator, std: 0.2);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal) || name.EndsWith("norm.weight", StringComparison.Ordinal))
                    parameter.add_(randn(parameter.shape, generator: generator) * 0.1);
            }
        }
        model.eval();
        return model;
    }

    internal static Tensor RandomIds(CausalLMConfig config, int batch, int tokens, int seed = 2) =>
        randint(0, config.VocabSize, [batch, tokens], generator: new Generator((ulong)seed));
}
