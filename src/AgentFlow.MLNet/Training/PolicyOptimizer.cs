using AgentFlow.MLNet.Models.Decoder;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Training;

/// <summary>
/// AdamW over a model's trainable parameters (the adapters with LoRA, every weight otherwise), with gradient-norm
/// clipping, a guard that skips steps whose loss or gradient norm is not finite, and fp32 master weights when the
/// model is bf16/fp16. TorchSharp's AdamW keeps its moments in the parameter's dtype and adds the step to it there:
/// in bf16 (8 significant bits) a 1e-6 step on a weight of 0.01 rounds away, so every update would be lost. With
/// masters, gradients are accumulated into fp32 copies, AdamW steps those, and the model gets them rounded back.
/// </summary>
internal sealed class PolicyOptimizer : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _trainable;
    private readonly IReadOnlyList<Parameter>? _masters;
    private readonly IReadOnlyList<Parameter> _stepped;
    private readonly AdamW _adam;
    private readonly double _maxGradNorm;

    internal PolicyOptimizer(CausalLM model, FlowGrpoOptions options, double learningRate)
    {
        _trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
        if (_trainable.Count == 0)
            throw new InvalidOperationException("The model has no trainable parameters.");
        if (_trainable.Any(p => !p.Parameter.is_floating_point()))
            throw new InvalidOperationException("Every trainable parameter must be floating point.");
        if (_trainable.Any(p => p.Parameter.dtype != ScalarType.Float32))
        {
            using var noGrad = no_grad();
            _masters = _trainable.Select(p =>
            {
                // Outlives any dispose scope the caller is in, like the model's own parameters.
                using var detached = p.Parameter.detach();
                var master = new Parameter(detached.to(ScalarType.Float32, copy: true), requires_grad: true);
                master.DetachFromDisposeScope();
                master.grad = zeros_like(master).DetachFromDisposeScope();
                return master;
            }).ToList();
        }
        _stepped = _masters ?? _trainable.Select(p => p.Parameter).ToList();
        _adam = new AdamW(_stepped, learningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay);
        _maxGradNorm = options.MaxGradNorm;
    }

    /// <summary>Optimizer steps skipped in a row because the loss or the gradient norm was not finite.</summary>
    internal int ConsecutiveNonFiniteSteps { get; set; }

    /// <summary>The trainable parameters with their model names, in optimizer order.</summary>
    internal IReadOnlyList<(string Name, Parameter Parameter)> Trainable => _trainable;

    /// <summary>The fp32 master copies, or null when the model is already fp32 and is stepped directly.</summary>
    internal IReadOnlyList<Parameter>? Masters => _masters;

    /// <summary>What AdamW steps: the masters, or the model's own parameters.</summary>
    internal IReadOnlyList<Parameter> Stepped => _stepped;

    /// <summary>The AdamW moments and step count of parameter <paramref name="index"/> (optimizer order).</summary>
    internal AdamW.State StateOf(int index) => (AdamW.State)_adam.state_dict().State[index];

    /// <summary>
    /// After each micro-batch's backward: moves the model's low-precision gradients into the fp32 masters' gradients,
    /// so accumulation over micro-batches happens in fp32. Nothing to do for an fp32 model.
    /// </summary>
    internal void AccumulateGradients()
    {
        if (_masters is null)
            return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < _trainable.Count; i++)
        {
            if (_trainable[i].Parameter.grad is not { } grad)
                continue;
            _masters[i].grad!.add_(grad.to(ScalarType.Float32));
            grad.zero_();
        }
    }

    /// <summary>
    /// Clips, checks and applies the accumulated gradients at <paramref name="learningRate"/>. A non-finite
    /// <paramref name="loss"/> or gradient norm skips the step (the gradients are dropped, the parameters and moments
    /// stay as they were) and is counted in <see cref="ConsecutiveNonFiniteSteps"/>. Gradients are zero afterwards either way.
    /// </summary>
    /// <returns>Whether the step was taken, and the gradient norm before clipping.</returns>
    internal (bool Stepped, double GradNorm) Step(double loss, double learningRate)
    {
        AccumulateGradients();
        double norm = nn.utils.clip_grad_norm_(_stepped, _maxGradNorm);
        bool finite = double.IsFinite(loss) && double.IsFinite(norm);
        if (finite)
        {
            foreach (var group in _adam.ParamGroups)
                group.LearningRate = learningRate;
            _adam.step();
            CopyMastersToModel();
            ConsecutiveNonFiniteSteps = 0;
        }
        else
        {
            ConsecutiveNonFiniteSteps++;
        }
        ZeroGradients();
        return (finite, norm);
    }

    /// <summary>Zeroes the gradients of the model's trainable parameters and of the masters.</summary>
    internal void ZeroGradients()
    {
        using var scope = NewDisposeScope();
        foreach (var (_, parameter) in _trainable)
            parameter.grad?.zero_();
        if (_masters is not null)
        {
            foreach (var master in _masters)
                master.grad!.zero_();
        }
    }

    /// <summary>Rounds the masters into the model's parameters (after a step, or after loading a state).</summary>
    internal void CopyMastersToModel()
    {
        if (_masters is null)
            return;
        using var noGrad = no_grad();
        for (int i = 0; i < _masters.Count; i++)
            _trainable[i].Parameter.copy_(_masters[i]);
    }

    public void Dispose()
    {
        _adam.Dispose();
        if (_masters is not null)
        {
            foreach (var master in _masters)
                master.Dispose();
        }
    }
}
