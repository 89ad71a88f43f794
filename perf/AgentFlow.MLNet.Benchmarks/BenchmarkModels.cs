using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Worlds.Mini;
using TorchSharp;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>The model sizes the suites measure: tiny enough for a 2-core CPU, shaped like real Llama/Qwen2 models.</summary>
public static class BenchmarkModels
{
    /// <summary>
    /// The quick start's model (AgentFlow Mini's default <c>MiniQuickStartOptions.Model</c>, 0.11M parameters): 2 layers of
    /// width 64, head_dim 32, GQA 2/1, the byte-level vocabulary of 259, rope_theta 1e6, 512-token context.
    /// </summary>
    public static CausalLMConfig QuickStart { get; } = TinyModel.Config(new MiniQuickStartOptions().Model);

    /// <summary>~1M parameters (0.87M): 4 layers of width 128, head_dim 32, GQA 4/2.</summary>
    public static CausalLMConfig Small { get; } = new()
    {
        ModelType = "qwen2", VocabSize = 1024, HiddenSize = 128, IntermediateSize = 352, NumHiddenLayers = 4,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, MaxPositionEmbeddings = 2048, TieWordEmbeddings = true, AttentionBias = true,
    };

    /// <summary>~30M parameters (27.8M): 8 layers of width 512, head_dim 64, GQA 8/4, vocabulary 8192.</summary>
    public static CausalLMConfig Medium { get; } = new()
    {
        ModelType = "qwen2", VocabSize = 8192, HiddenSize = 512, IntermediateSize = 1408, NumHiddenLayers = 8,
        NumAttentionHeads = 8, NumKeyValueHeads = 4, MaxPositionEmbeddings = 2048, TieWordEmbeddings = true, AttentionBias = true,
    };

    /// <summary>
    /// A 0.29M-parameter Llama (5 layers of width 64, 8/4 heads of 8, SwiGLU 172, vocabulary 512, untied head): the
    /// size of the smallest Llama GGUFs people test llama.cpp with, where a decode step is almost all per-operation cost.
    /// </summary>
    public static CausalLMConfig Llama { get; } = new()
    {
        ModelType = "llama", VocabSize = 512, HiddenSize = 64, IntermediateSize = 172, NumHiddenLayers = 5,
        NumAttentionHeads = 8, NumKeyValueHeads = 4, MaxPositionEmbeddings = 2048, TieWordEmbeddings = false,
    };

    /// <summary>A seeded model of the named size in evaluation mode, with TorchSharp loaded.</summary>
    public static CausalLM Create(string name)
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        var model = new CausalLM(Get(name));
        model.InitializeWeights(new torch.Generator(1));
        model.eval();
        return model;
    }

    /// <summary><paramref name="count"/> random prompts of <paramref name="length"/> tokens, seeded.</summary>
    public static IReadOnlyList<IReadOnlyList<int>> RandomPrompts(CausalLM model, int count, int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, length).Select(_ => random.Next(model.Config.VocabSize)).ToArray())
            .ToList();
    }

    public static CausalLMConfig Get(string name) => name switch
    {
        "QuickStart" => QuickStart,
        "1M" => Small,
        "30M" => Medium,
        "Llama0.3M" => Llama,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Known sizes: QuickStart, 1M, 30M, Llama0.3M."),
    };
}
