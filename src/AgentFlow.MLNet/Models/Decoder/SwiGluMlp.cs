using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>The gated feed-forward block: down(silu(gate(x)) * up(x)).</summary>
internal sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face parameter names, so checkpoints load without remapping.
    private readonly AdaptableLinear gate_proj;
    private readonly AdaptableLinear up_proj;
    private readonly AdaptableLinear down_proj;
#pragma warning restore IDE1006

    internal SwiGluMlp(CausalLMConfig config) : base(nameof(SwiGluMlp))
    {
        gate_proj = new AdaptableLinear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias);
        up_proj = new AdaptableLinear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias);
        down_proj = new AdaptableLinear(config.IntermediateSize, config.HiddenSize, hasBias: config.MlpBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(gate_proj.forward(input)) * up_proj.forward(input);
        return down_proj.forward(gated).MoveToOuterDisposeScope();
    }
}
