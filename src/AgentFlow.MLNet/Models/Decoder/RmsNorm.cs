using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>Root-mean-square layer norm as Llama/Qwen2 define it: normalised in fp32, then scaled in the input dtype.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face parameter names, so checkpoints load without remapping.
    private readonly Parameter weight;
#pragma warning restore IDE1006
    // A 0-dim tensor rather than a double: TorchSharp's scalar overloads wrap the number in a fresh Scalar on every call,
    // which costs more than the addition itself at decode sizes. A CPU 0-dim tensor also combines with CUDA tensors.
    private readonly Tensor _eps;

    internal RmsNorm(long size, double eps) : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(ones(size));
        _eps = tensor(eps, ScalarType.Float32).DetachFromDisposeScope();
        RegisterComponents();
    }

    internal Parameter Weight => weight;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // In float32 (the usual case here) both conversions are skipped: at decode sizes every operation costs about as
        // much as its arithmetic.
        bool isFloat32 = input.dtype == ScalarType.Float32;
        var x = isFloat32 ? input : input.to(ScalarType.Float32);
        var normalised = x * rsqrt(x.square().mean([-1], keepdim: true).add_(_eps));
        return (weight * (isFloat32 ? normalised : normalised.to(input.dtype))).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _eps.Dispose();
        base.Dispose(disposing);
    }
}
