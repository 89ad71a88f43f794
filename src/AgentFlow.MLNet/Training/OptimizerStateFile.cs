using System.Globalization;
using AgentFlow.MLNet.Models.Checkpoints;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Training;

/// <summary>
/// Saves and restores a <see cref="PolicyOptimizer"/> bit for bit as one safetensors file, readable from Python too:
/// per trainable parameter (by model name) its AdamW moments <c>{name}.exp_avg</c>, <c>{name}.exp_avg_sq</c> and, for a
/// bf16/fp16 model, its fp32 master <c>{name}.master</c> (the true weights; the model holds them rounded). Step counts and
/// the caller's counters (<c>counter.{key}</c>) go in the header's metadata.
/// </summary>
internal static class OptimizerStateFile
{
    internal const string FileName = "optimizer.safetensors";
    private const string Format = "agentflow-flow-grpo-adamw-1";
    private const string CounterPrefix = "counter.";

    /// <summary>Writes the state (through a temporary file renamed into place) with <paramref name="counters"/> beside it.</summary>
    internal static void Save(PolicyOptimizer optimizer, string path, IReadOnlyDictionary<string, long> counters)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        var steps = new List<long>();
        for (int i = 0; i < optimizer.Trainable.Count; i++)
        {
            string name = optimizer.Trainable[i].Name;
            var state = optimizer.StateOf(i);
            tensors.Add(new(name + ".exp_avg", state.exp_avg));
            tensors.Add(new(name + ".exp_avg_sq", state.exp_avg_sq));
            if (optimizer.Masters is { } masters)
                tensors.Add(new(name + ".master", masters[i]));
            steps.Add(state.step);
        }
        var metadata = new Dictionary<string, string>
        {
            ["agentflow_format"] = Format,
            ["adam_steps"] = string.Join(',', steps.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            ["consecutive_non_finite_steps"] = optimizer.ConsecutiveNonFiniteSteps.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in counters)
            metadata[CounterPrefix + key] = value.ToString(CultureInfo.InvariantCulture);
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Restores a state written by <see cref="Save"/> for the same trainable parameters, and returns the caller's counters.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not such a state, or was saved for other parameters.</exception>
    internal static IReadOnlyDictionary<string, long> Load(PolicyOptimizer optimizer, string path)
    {
        var file = SafetensorsFile.Open(path);
        if (file.Metadata.GetValueOrDefault("agentflow_format") != Format)
            throw new InvalidDataException($"'{path}' is not a Flow-GRPO optimizer state (metadata agentflow_format is not '{Format}').");
        var steps = file.Metadata.GetValueOrDefault("adam_steps", "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => Count(path, "adam_steps", s)).ToArray();
        if (steps.Length != optimizer.Trainable.Count)
            throw new InvalidDataException($"'{path}' holds the state of {steps.Length} parameters but the model has {optimizer.Trainable.Count} trainable ones.");
        bool hasMasters = file.Entries.Keys.Any(k => k.EndsWith(".master", StringComparison.Ordinal));
        if (hasMasters != optimizer.Masters is not null)
            throw new InvalidDataException(hasMasters
                ? $"'{path}' holds fp32 master weights but the model's trainable parameters are fp32."
                : $"'{path}' holds no fp32 master weights but the model's trainable parameters are not fp32.");

        // Check every tensor before changing any, so a mismatched file leaves the optimizer as it was.
        var restores = new List<(string Name, Tensor Target)>();
        for (int i = 0; i < optimizer.Trainable.Count; i++)
        {
            string name = optimizer.Trainable[i].Name;
            var state = optimizer.StateOf(i);
            restores.Add((name + ".exp_avg", state.exp_avg));
            restores.Add((name + ".exp_avg_sq", state.exp_avg_sq));
            if (optimizer.Masters is { } masters)
                restores.Add((name + ".master", masters[i]));
        }
        foreach (var (name, target) in restores)
            Check(file, name, target);

        using (NewDisposeScope())
        using (no_grad())
        {
            foreach (var (name, target) in restores)
                target.copy_(file.Read(name));
        }
        for (int i = 0; i < steps.Length; i++)
            optimizer.StateOf(i).step = steps[i];
        optimizer.CopyMastersToModel();
        optimizer.ConsecutiveNonFiniteSteps = checked((int)Count(path, "consecutive_non_finite_steps", file.Metadata.GetValueOrDefault("consecutive_non_finite_steps", "0")));
        return file.Metadata
            .Where(m => m.Key.StartsWith(CounterPrefix, StringComparison.Ordinal))
            .ToDictionary(m => m.Key[CounterPrefix.Length..], m => Count(path, m.Key, m.Value));
    }

    private static long Count(string path, string key, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long count)
            ? count
            : throw new InvalidDataException($"'{path}' has '{value}' for {key}; a non-negative integer was expected.");

    private static void Check(SafetensorsFile file, string name, Tensor target)
    {
        if (!file.Entries.TryGetValue(name, out var entry))
            throw new InvalidDataException($"'{file.Path}' has no tensor '{name}'; it was saved for other trainable parameters.");
        if (entry.DType != target.dtype || !entry.Shape.SequenceEqual(target.shape))
            throw new InvalidDataException($"'{file.Path}' stores '{name}' as {entry.DType} [{string.Join(", ", entry.Shape)}] but it is {target.dtype} [{string.Join(", ", target.shape)}] here.");
    }
}
