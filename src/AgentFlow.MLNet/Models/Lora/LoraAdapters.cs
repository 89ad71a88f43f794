using AgentFlow.MLNet.Models.Decoder;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Lora;

/// <summary>
/// LoRA on a <see cref="CausalLM"/>: attach adapters to chosen projections with the base frozen, switch them off
/// (the reference policy is the same weights with adapters off, so no second copy of the model exists), and merge
/// them into the base for inference. Full fine-tuning remains available by not attaching any.
/// </summary>
public static class LoraAdapters
{
    /// <summary>Attaches adapters to every projection named in <paramref name="options"/> and freezes all other parameters.</summary>
    /// <exception cref="InvalidOperationException">The model already has adapters.</exception>
    public static void AttachLora(this CausalLM model, LoraOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (model.Lora is not null)
            throw new InvalidOperationException("The model already has LoRA adapters; merge them first or load new ones into a fresh model.");

        foreach (var parameter in model.parameters())
            parameter.requires_grad = false;
        using var generator = new Generator(options.Seed);
        foreach (var (_, projection) in Projections(model, options.TargetModules))
            projection.AttachAdapter(options.Rank, options.Alpha, options.Dropout, generator, model.AdapterRouting);
        model.Lora = options;
    }

    /// <summary>Switches every adapter on or off. Off, the model computes exactly its base weights.</summary>
    public static void SetAdaptersEnabled(this CausalLM model, bool enabled)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (_, projection) in Projections(model, LoraOptions.AllProjections))
            projection.AdapterEnabled = enabled;
    }

    /// <summary>Whether the adapters are switched on (false when none are attached).</summary>
    public static bool AdaptersEnabled(this CausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Projections(model, LoraOptions.AllProjections).Any(p => p.Projection.HasAdapter && p.Projection.AdapterEnabled);
    }

    /// <summary>
    /// Switches adapters off until the returned scope is disposed, then restores whatever state they had before
    /// (so scopes nest): <c>using (policy.WithoutAdapters()) { reference pass }</c>.
    /// </summary>
    public static IDisposable WithoutAdapters(this CausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var previous = Projections(model, LoraOptions.AllProjections).Select(p => (p.Projection, p.Projection.AdapterEnabled)).ToList();
        model.SetAdaptersEnabled(false);
        return new AdapterScope(previous);
    }

    /// <summary>Folds every adapter into its base weight, removes the adapters and makes all parameters trainable again.</summary>
    public static void MergeAdapters(this CausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (_, projection) in Projections(model, LoraOptions.AllProjections))
            projection.MergeAdapter();
        foreach (var parameter in model.parameters())
            parameter.requires_grad = true;
        model.Lora = null;
    }

    /// <summary>The parameters an optimiser should update: the adapters when attached, otherwise every parameter.</summary>
    public static IReadOnlyList<Parameter> TrainableParameters(this CausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.parameters().Where(p => p.requires_grad).ToList();
    }

    /// <summary>The adapter parameters with their model names (<c>model.layers.0.self_attn.q_proj.lora_A.weight</c>, …).</summary>
    internal static IReadOnlyList<(string Name, Parameter Parameter)> AdapterParameters(CausalLM model) =>
        model.named_parameters().Where(p => p.name.Contains(".lora_", StringComparison.Ordinal)).ToList();

    private static IEnumerable<(string Name, AdaptableLinear Projection)> Projections(CausalLM model, IReadOnlyList<string> targets) =>
        model.named_modules()
            .Where(m => m.module is AdaptableLinear && targets.Contains(m.name[(m.name.LastIndexOf('.') + 1)..]))
            .Select(m => (m.name, (AdaptableLinear)m.module));

    private sealed class AdapterScope(IReadOnlyList<(AdaptableLinear Projection, bool Enabled)> previous) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (projection, enabled) in previous)
                projection.AdapterEnabled = enabled;
        }
    }
}
