using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFlow.MLNet.IO;
using AgentFlow.MLNet.Models.Checkpoints;
using AgentFlow.MLNet.Models.Decoder;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Lora;

/// <summary>
/// Saves and loads LoRA adapters alone, in PEFT's layout: <c>adapter_config.json</c> and
/// <c>adapter_model.safetensors</c> with names like <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>,
/// so adapters trained here load in PEFT and vLLM, and small adapters can be shipped without the base model.
/// </summary>
public static class LoraCheckpoint
{
    private const string ConfigFile = "adapter_config.json";
    private const string WeightsFile = "adapter_model.safetensors";
    private const string PeftPrefix = "base_model.model.";

    /// <summary>Writes the model's adapters to <paramref name="folder"/> (created if needed).</summary>
    /// <exception cref="InvalidOperationException">The model has no adapters.</exception>
    public static void Save(CausalLM model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = model.Lora ?? throw new InvalidOperationException("The model has no LoRA adapters to save.");
        Directory.CreateDirectory(folder);
        var tensors = LoraAdapters.AdapterParameters(model)
            .Select(p => new KeyValuePair<string, Tensor>(PeftPrefix + p.Name, p.Parameter))
            .ToList();
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFile), tensors);

        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["r"] = options.Rank,
            ["lora_alpha"] = options.Alpha,
            ["lora_dropout"] = options.Dropout,
            ["target_modules"] = new JsonArray(options.TargetModules.Select(t => (JsonNode)t).ToArray()),
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["base_model_type"] = model.Config.ModelType,
        };
        AtomicFile.WriteAllBytes(Path.Combine(folder, ConfigFile), Encoding.UTF8.GetBytes(config.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }

    /// <summary>
    /// Attaches the adapters saved in <paramref name="folder"/> to <paramref name="model"/> (which must have none)
    /// and loads their weights, checking every name and shape first.
    /// </summary>
    public static void Load(CausalLM model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = ReadOptions(Path.Combine(folder, ConfigFile));
        var weights = SafetensorsFile.Open(Path.Combine(folder, WeightsFile));
        model.AttachLora(options);
        try
        {
            CopyWeights(model, weights);
        }
        catch
        {
            // The freshly attached adapters (B = 0, so no effect) are merged away, leaving the model as it was.
            model.MergeAdapters();
            throw;
        }
    }

    /// <summary>
    /// Overwrites the weights of the adapters already attached to <paramref name="model"/> with those saved in
    /// <paramref name="folder"/>: how a training run resumes on a model set up as it was at the start. The saved rank,
    /// α, dropout and target modules must equal the attached ones; every name and shape is checked before anything changes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no adapters, or others than the saved ones.</exception>
    public static void LoadWeights(CausalLM model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        var attached = model.Lora ?? throw new InvalidOperationException("The model has no LoRA adapters to load weights into; attach them first, or use LoraCheckpoint.Load.");
        var saved = ReadOptions(Path.Combine(folder, ConfigFile));
        if (saved.Rank != attached.Rank || saved.Alpha != attached.Alpha || saved.Dropout != attached.Dropout || !saved.TargetModules.Order().SequenceEqual(attached.TargetModules.Order()))
            throw new InvalidOperationException(
                $"The adapters in '{folder}' (r {saved.Rank}, alpha {saved.Alpha}, dropout {saved.Dropout}, targets [{string.Join(", ", saved.TargetModules)}]) differ from the attached ones " +
                $"(r {attached.Rank}, alpha {attached.Alpha}, dropout {attached.Dropout}, targets [{string.Join(", ", attached.TargetModules)}]).");
        CopyWeights(model, SafetensorsFile.Open(Path.Combine(folder, WeightsFile)));
    }

    /// <summary>Copies every adapter tensor from <paramref name="weights"/> after checking all names and shapes, so a mismatch changes nothing.</summary>
    private static void CopyWeights(CausalLM model, SafetensorsFile weights)
    {
        var parameters = LoraAdapters.AdapterParameters(model).ToDictionary(p => PeftPrefix + p.Name, p => p.Parameter, StringComparer.Ordinal);
        var missing = parameters.Keys.Where(name => !weights.Entries.ContainsKey(name)).ToList();
        var unexpected = weights.Entries.Keys.Where(name => !parameters.ContainsKey(name)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"'{weights.Path}' does not match {ConfigFile}: missing [{string.Join(", ", missing.Take(5))}], unexpected [{string.Join(", ", unexpected.Take(5))}].");
        foreach (var (name, parameter) in parameters)
        {
            if (!weights.Entries[name].Shape.SequenceEqual(parameter.shape))
                throw new InvalidDataException($"Adapter tensor '{name}' has shape [{string.Join(", ", weights.Entries[name].Shape)}], but this model needs [{string.Join(", ", parameter.shape)}].");
        }
        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            using var stored = weights.Read(name);
            parameter.copy_(stored);
        }
    }

    private static LoraOptions ReadOptions(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"No {ConfigFile} at '{path}'.", path);
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"'{path}' does not hold a JSON object.");
            string type = root["peft_type"]?.GetValue<string>() ?? "LORA";
            if (type != "LORA")
                throw new NotSupportedException($"'{path}': peft_type '{type}' is not supported; only LORA is.");
            var targets = root["target_modules"] switch
            {
                JsonArray list => list.Select(t => t!.GetValue<string>()).ToList(),
                JsonValue single => [single.GetValue<string>()],
                _ => throw new InvalidDataException($"'{path}' has no target_modules."),
            };
            return new LoraOptions
            {
                Rank = root["r"]?.GetValue<int>() ?? throw new InvalidDataException($"'{path}' has no r."),
                Alpha = root["lora_alpha"]?.GetValue<double>() ?? throw new InvalidDataException($"'{path}' has no lora_alpha."),
                Dropout = root["lora_dropout"]?.GetValue<double>() ?? 0,
                TargetModules = targets,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{path}' is not a valid adapter config: {e.Message}", e);
        }
    }
}
