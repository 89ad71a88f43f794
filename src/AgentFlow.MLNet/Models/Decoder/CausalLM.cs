using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// A decoder-only causal language model of the Llama / Qwen2 family in TorchSharp. Parameter names are the
/// Hugging Face ones (<c>model.layers.0.self_attn.q_proj.weight</c>, <c>lm_head.weight</c>, …), so
/// <c>state_dict()</c> matches checkpoints without remapping.
/// </summary>
public sealed class CausalLM : nn.Module<CausalLMInput, CausalLMOutput>
{
#pragma warning disable IDE1006 // Hugging Face parameter names, so checkpoints load without remapping.
    private readonly DecoderModel model;
    private readonly Linear? lm_head;
#pragma warning restore IDE1006

    /// <summary>Builds the architecture with freshly initialised weights (see <see cref="InitializeWeights"/>).</summary>
    /// <param name="config">The architecture; validated here.</param>
    /// <param name="ropeFrequencyDivisors">Per-frequency rotary divisors (a GGUF <c>rope_freqs</c> tensor), overriding <see cref="CausalLMConfig.RopeScaling"/>.</param>
    public CausalLM(CausalLMConfig config, IReadOnlyList<float>? ropeFrequencyDivisors = null) : base(nameof(CausalLM))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        RopeFrequencyDivisors = ropeFrequencyDivisors;
        model = new DecoderModel(config, ropeFrequencyDivisors);
        lm_head = config.TieWordEmbeddings ? null : nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>The architecture this model was built from.</summary>
    public CausalLMConfig Config { get; }

    /// <summary>The LoRA adapters attached to this model (see <see cref="Models.Lora.LoraAdapters"/>), or null for none.</summary>
    public LoraOptions? Lora { get; internal set; }

    /// <summary>Which rows of the pass being computed use the LoRA adapters; set by <see cref="forward"/> from <see cref="CausalLMInput.AdapterRows"/>.</summary>
    internal AdapterRouting AdapterRouting { get; } = new();

    /// <summary>Explicit rotary divisors from a GGUF file, or null when rotary scaling comes from <see cref="Config"/>.</summary>
    public IReadOnlyList<float>? RopeFrequencyDivisors { get; }

    /// <summary>Runs the decoder and, as <see cref="CausalLMInput.Logits"/> asks, the LM head.</summary>
    public override CausalLMOutput forward(CausalLMInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var ids = input.InputIds;
        if (ids.dim() != 2)
            throw new ArgumentException($"InputIds must be [batch, tokens], but has shape [{string.Join(", ", ids.shape)}].", nameof(input));
        long cached = input.Cache?.Length ?? 0;
        if (input.Cache is { } cache && cache.Batch != ids.shape[0])
            throw new ArgumentException($"The cache holds {cache.Batch} rows but InputIds has {ids.shape[0]}.", nameof(input));
        if (input.AttentionMask is { } mask && (mask.dim() != 2 || mask.shape[0] != ids.shape[0] || mask.shape[1] != cached + ids.shape[1]))
            throw new ArgumentException($"AttentionMask must be [batch, cached + tokens] = [{ids.shape[0]}, {cached + ids.shape[1]}], but is [{string.Join(", ", mask.shape)}].", nameof(input));

        if (input.AdapterRows is { } rows && rows.Count != ids.shape[0])
            throw new ArgumentException($"AdapterRows has {rows.Count} entries but InputIds has {ids.shape[0]} rows.", nameof(input));

        using var scope = NewDisposeScope();
        using var routed = AdapterRouting.Route(input.AdapterRows);
        var positions = input.PositionIds ?? DefaultPositions(ids, input.AttentionMask, cached);
        var hidden = model.forward(ids, positions, input.AttentionMask, input.Cache);
        Tensor? logits = input.Logits switch
        {
            LogitsSelection.All => ProjectToVocabulary(hidden),
            LogitsSelection.LastToken => ProjectToVocabulary(hidden.narrow(1, hidden.shape[1] - 1, 1)),
            _ => null,
        };
        return new CausalLMOutput(logits?.MoveToOuterDisposeScope(), hidden.MoveToOuterDisposeScope());
    }

    /// <summary>Applies the LM head (or the tied embedding matrix) to hidden states [..., hidden] → [..., vocab].</summary>
    public Tensor ProjectToVocabulary(Tensor hidden) =>
        lm_head is not null ? lm_head.forward(hidden) : nn.functional.linear(hidden, model.Embeddings.weight!);

    /// <summary>
    /// Re-initialises every weight as Hugging Face does for these families: normal(0, <paramref name="std"/>) for
    /// projections and embeddings, zero biases, unit norms. Seeded through <paramref name="generator"/>.
    /// </summary>
    public void InitializeWeights(Generator? generator = null, double std = 0.02)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
                parameter.fill_(1.0);
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
                parameter.zero_();
            else
                parameter.normal_(0.0, std, generator);
        }
    }

    /// <summary>Size, precision, placement and context length of this model.</summary>
    public ModelInfo Describe()
    {
        var all = parameters().ToList();
        var first = all[0];
        return new ModelInfo(
            Family: Config.ModelType,
            ParameterCount: all.Sum(p => p.numel()),
            ParameterBytes: all.Sum(p => p.numel() * p.element_size()),
            DType: first.dtype,
            Device: first.device.ToString(),
            ContextLength: Config.MaxPositionEmbeddings,
            Layers: Config.NumHiddenLayers,
            HiddenSize: Config.HiddenSize,
            AttentionHeads: Config.NumAttentionHeads,
            KeyValueHeads: Config.KeyValueHeads,
            HeadDim: Config.HeadDimension,
            VocabSize: Config.VocabSize,
            TiedEmbeddings: Config.TieWordEmbeddings);
    }

    /// <summary>cached..cached+n-1 per row, or, with padding, the count of real tokens before each position (left padding starts at 0).</summary>
    private static Tensor DefaultPositions(Tensor ids, Tensor? attentionMask, long cached)
    {
        long tokens = ids.shape[1];
        if (attentionMask is null)
            return arange(cached, cached + tokens, dtype: ScalarType.Int64, device: ids.device).unsqueeze(0).expand(ids.shape[0], -1);
        var positions = (attentionMask.to(ScalarType.Int64).cumsum(1) - 1).clamp_min(0);
        return positions.narrow(1, cached, tokens);
    }
}
