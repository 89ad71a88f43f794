using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>Root-mean-square layer norm as Llama/Qwen2 define it: normalised in fp32, then scaled in the input dtype.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face parameter names, so checkpoints load without remapping.
    private readonly Parameter weight;
#pragma warning restore IDE1006
    // For float32 inputs eps is added as a 0-dim tensor rather than a double: TorchSharp's scalar overloads wrap the
    // number in a fresh Scalar on every call, which costs more than the addition itself at decode sizes. It is a
    // non-persistent buffer (never saved; moves with the module). Other dtypes use the double, since converting the
    // module would round the buffer too.
    private readonly Tensor _eps;
    private readonly double _epsValue;

    internal RmsNorm(long size, double eps) : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(ones(size));
        _epsValue = eps;
        _eps = tensor(eps, ScalarType.Float32).DetachFromDisposeScope();
        register_buffer(nameof(_eps), _eps, persistent: false); // registered first, so RegisterComponents leaves it unsaved
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
        var meanSquare = x.square().mean([-1], keepdim: true);
        var normalised = x * rsqrt(isFloat32 ? meanSquare.add_(_eps) : meanSquare.add_(_epsValue));
        return (weight * (isFloat32 ? normalised : normalised.to(input.dtype))).MoveToOuterDisposeScope();
    }
}
