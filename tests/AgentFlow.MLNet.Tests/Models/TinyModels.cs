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

    /// <summary>Qwen2 layout: q/k/v bias, tied head, a head_dim that is not hidden/heads.</summary>
    internal static CausalLMConfig Qwen2(int heads = 4, int keyValueHeads = 1, bool tied = true) => new()
    {
        ModelType = "qwen2",
        VocabSize = 67,
        HiddenSize = 24,
        IntermediateSize = 40,
        NumHiddenLayers = 2,
        NumAttentionHeads = heads,
        NumKeyValueHeads = keyValueHeads,
        HeadDim = 10,
        RopeTheta = 1000000,
        MaxPositionEmbeddings = 96,
        TieWordEmbeddings = tied,
        AttentionBias = true,
        EosTokenIds = [3, 4],
    };

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
