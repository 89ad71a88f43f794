using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>Root-mean-square layer norm as Llama/Qwen2 define it: normalised in fp32, then scaled in the input dtype.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face parameter names, so checkpoints load without remapping.
    private readonly Parameter weight;
#pragma warning restore IDE1006
    private readonly double _eps;

    internal RmsNorm(long size, double eps) : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(ones(size));
        _eps = eps;
        RegisterComponents();
    }

    internal Parameter Weight => weight;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        x = x * rsqrt(x.pow(2).mean([-1], keepdim: true) + _eps);
        return (weight * x.to(input.dtype)).MoveToOuterDisposeScope();
    }
}
