using AgentFlow.MLNet.Models.Decoder;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Checkpoints;

/// <summary>
/// Copies named weights into a <see cref="CausalLM"/> after checking, before anything is copied, that every
/// parameter has a source of the right shape and that no source is left over (a sign of a config that does not
/// match the weights). Shared by the safetensors and GGUF loaders.
/// </summary>
internal static class WeightCopier
{
    /// <summary>Checkpoint tensors that are derived, not learned (older Llama exports carry them).</summary>
    private const string RotaryBufferSuffix = "rotary_emb.inv_freq";

    internal static void Copy(CausalLM model, IReadOnlyDictionary<string, WeightSource> sources)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var missing = parameters.Keys.Where(name => !sources.ContainsKey(name)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"The checkpoint lacks {missing.Count} tensor(s) the {model.Config.ModelType} model needs: {Sample(missing)}.");
        var unexpected = sources.Keys.Where(name => !parameters.ContainsKey(name) && !IsIgnorable(name, model.Config)).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException($"The checkpoint has {unexpected.Count} tensor(s) the {model.Config.ModelType} model does not: {Sample(unexpected)}. Check config.json matches the weights.");
        foreach (var (name, parameter) in parameters)
        {
            var source = sources[name];
            if (!source.Shape.SequenceEqual(parameter.shape))
                throw new InvalidDataException($"Tensor '{name}' in '{source.Origin}' has shape [{string.Join(", ", source.Shape)}], but config.json implies [{string.Join(", ", parameter.shape)}].");
        }

        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            using var stored = sources[name].Read();
            parameter.copy_(stored);
        }
    }

    /// <summary>A tied model may still carry <c>lm_head.weight</c>; rotary buffers are recomputed.</summary>
    private static bool IsIgnorable(string name, CausalLMConfig config) =>
        name.EndsWith(RotaryBufferSuffix, StringComparison.Ordinal) || (config.TieWordEmbeddings && name == "lm_head.weight");

    private static string Sample(List<string> names) =>
        string.Join(", ", names.Take(8)) + (names.Count > 8 ? $" and {names.Count - 8} more" : "");
}
