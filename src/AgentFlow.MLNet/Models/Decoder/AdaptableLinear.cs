using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>
/// A linear projection (HF names <c>weight</c>, <c>bias</c>) that can carry a LoRA adapter
/// (<c>lora_A</c>, <c>lora_B</c>, PEFT's names): y = x Wᵀ + b + (α / r) · dropout(x) Aᵀ Bᵀ. With the adapter
/// switched off it computes the base projection exactly, which is how the reference policy shares the weights.
/// The adapter is kept in float32 whatever the base dtype (as PEFT does): in bf16, learning-rate-1e-6 updates of
/// A and B would fall below the format's resolution and be lost. Which rows of a batch use it is decided per
/// forward pass by the model's <see cref="AdapterRouting"/>.
/// </summary>
internal sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Hugging Face / PEFT parameter names, so checkpoints load without remapping.
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private Linear? lora_A;
    private Linear? lora_B;
#pragma warning restore IDE1006
    private Dropout? _dropout;
    private double _scale;
    private AdapterRouting? _routing;

    internal AdaptableLinear(long inFeatures, long outFeatures, bool hasBias) : base(nameof(AdaptableLinear))
    {
        // Same initialisation as nn.Linear, so models built from scratch start from a sensible point.
        using var reference = nn.Linear(inFeatures, outFeatures, hasBias);
        weight = nn.Parameter(reference.weight!.detach().clone());
        bias = hasBias ? nn.Parameter(reference.bias!.detach().clone()) : null;
        RegisterComponents();
    }

    internal bool HasAdapter => lora_A is not null;

    /// <summary>Whether the adapter takes part in forward passes (ignored without an adapter).</summary>
    internal bool AdapterEnabled { get; set; } = true;

    internal Parameter Weight => weight;

    public override Tensor forward(Tensor input)
    {
        if (lora_A is null || lora_B is null || !AdapterEnabled || _routing!.AllOff)
            return nn.functional.linear(input, weight, bias);
        using var scope = NewDisposeScope();
        var adapted = lora_B.forward(lora_A.forward(_dropout!.forward(input.to(ScalarType.Float32)))).mul_(_scale);
        if (!_routing.AllOn)
            adapted = adapted.mul_(_routing.RowMask(input.shape[0], input.device));
        return nn.functional.linear(input, weight, bias).add_(adapted.to(weight.dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>Adds a rank-<paramref name="rank"/> adapter: A Kaiming-uniform, B zero, so the model is unchanged until trained.</summary>
    internal void AttachAdapter(int rank, double alpha, double dropout, Generator? generator, AdapterRouting routing)
    {
        if (HasAdapter)
            throw new InvalidOperationException("This projection already has a LoRA adapter.");
        var device = weight.device;
        lora_A = nn.Linear(weight.shape[1], rank, hasBias: false, device: device, dtype: ScalarType.Float32);
        lora_B = nn.Linear(rank, weight.shape[0], hasBias: false, device: device, dtype: ScalarType.Float32);
        _routing = routing;
        using (no_grad())
        {
            // PEFT's Kaiming-uniform with a = √5 is U(−1/√fan_in, 1/√fan_in). Drawn on the CPU (where the seeded
            // generator lives) and copied, so a seed gives the same adapters on every device.
            double bound = 1.0 / Math.Sqrt(weight.shape[1]);
            using var initial = empty(lora_A.weight!.shape, dtype: ScalarType.Float32).uniform_(-bound, bound, generator);
            lora_A.weight!.copy_(initial);
            lora_B.weight!.zero_();
        }
        register_module("lora_A", lora_A);
        register_module("lora_B", lora_B);
        _dropout = nn.Dropout(dropout);
        register_module("lora_dropout", _dropout);
        _scale = alpha / rank;
    }

    /// <summary>Folds the adapter into the base weight (W += (α / r) B A) and removes it, for adapter-free inference.</summary>
    internal void MergeAdapter()
    {
        if (lora_A is null || lora_B is null)
            return;
        using (no_grad())
            weight.add_(lora_B.weight!.matmul(lora_A.weight!).mul_(_scale).to(weight.dtype));
        _internal_submodules.Remove("lora_A");
        _internal_submodules.Remove("lora_B");
        _internal_submodules.Remove("lora_dropout");
        lora_A.Dispose();
        lora_B.Dispose();
        _dropout!.Dispose();
        (lora_A, lora_B, _dropout, _routing) = (null, null, null, null);
    }
}
