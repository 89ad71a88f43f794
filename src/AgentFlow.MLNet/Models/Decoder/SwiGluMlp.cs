using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>The gated feed-forward block: down(silu(gate(x)) * up(x)).</summary>
internal sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face parameter names, so checkpoints load without remapping.
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;
#pragma warning restore IDE1006

    internal SwiGluMlp(CausalLMConfig config) : base(nameof(SwiGluMlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: config.MlpBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(gate_proj.forward(input)) * up_proj.forward(input);
        return down_proj.forward(gated).MoveToOuterDisposeScope();
    }
}
