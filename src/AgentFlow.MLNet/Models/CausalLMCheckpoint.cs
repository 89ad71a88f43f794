using System.Text;
using AgentFlow.MLNet.IO;
using AgentFlow.MLNet.Models.Checkpoints;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Models.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models;

/// <summary>
/// Loads and saves <see cref="CausalLM"/> weights: the Hugging Face folder layout (<c>config.json</c> plus
/// <c>model.safetensors</c> or sharded <c>model-*.safetensors</c> with <c>model.safetensors.index.json</c>; F32, F16
/// and BF16), and llama.cpp's GGUF files (F32, F16, BF16 and Q8_0). Either loads into any compute dtype.
/// </summary>
public static class CausalLMCheckpoint
{
    /// <summary>
    /// Loads a model from a Hugging Face folder or a <c>.gguf</c> file, validating the config and every weight file
    /// before copying weights.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">config.json or the weights are missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or does not match the config.</exception>
    /// <exception cref="NotSupportedException">The architecture or a dtype is not supported.</exception>
    /// <param name="folder">The model folder, or a <c>.gguf</c> file.</param>
    /// <param name="options">Dtype and device; the defaults when null.</param>
    /// <param name="warnings">Receives a line for each value that was tolerated rather than used (e.g. a special-token
    /// id that names no token, which is then absent from the config); null discards them.</param>
    public static CausalLM Load(string folder, ModelLoadOptions? options = null, ICollection<string>? warnings = null)
    {
        options ??= new ModelLoadOptions();
        if (IsGguf(folder))
        {
            var gguf = LoadGguf(folder, options);
            foreach (string warning in gguf.Warnings)
                warnings?.Add(warning);
            return gguf.Model;
        }
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Model folder '{folder}' does not exist.");
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"Model folder '{folder}' has no config.json.", configPath);

        var config = CausalLMConfig.Load(configPath, warnings);
        var files = SafetensorsCheckpoint.Open(folder);
        var model = Create(config, null, options);
        try
        {
            SafetensorsCheckpoint.LoadInto(model, files);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="folder"/> (created if needed) as a complete Hugging Face model
    /// folder that <see cref="LocalModel.Load"/>, transformers and vLLM load: <c>config.json</c>, safetensors weights,
    /// the tokenizer files (<see cref="ModelTokenizer.Save"/>) and <c>generation_config.json</c> from its
    /// <see cref="LocalModel.Defaults"/>. The chat template saved is the tokenizer's <see cref="ModelTokenizer.ChatTemplateText"/>.
    /// </summary>
    /// <param name="model">The model; LoRA adapters must be merged first.</param>
    /// <param name="folder">The folder to write into.</param>
    /// <param name="options">Weight dtype and shard size; null takes the defaults.</param>
    public static void Save(LocalModel model, string folder, CheckpointSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Save(model.Model, model.Tokenizer, folder, options);
        AtomicFile.WriteAllBytes(Path.Combine(folder, GenerationDefaults.FileName), Encoding.UTF8.GetBytes(model.Defaults.ToJson(model.Model.Config)));
    }

    /// <summary>
    /// Writes <paramref name="model"/> and <paramref name="tokenizer"/> to <paramref name="folder"/> (created if needed)
    /// as a Hugging Face model folder that <see cref="LocalModel.Load"/>, transformers and vLLM load: <c>config.json</c>,
    /// safetensors weights and the tokenizer files (<see cref="ModelTokenizer.Save"/>).
    /// </summary>
    /// <param name="model">The network; LoRA adapters must be merged first.</param>
    /// <param name="tokenizer">Its tokenizer, whose ids must fit the model's embedding (<see cref="CausalLMConfig.VocabSize"/> rows).</param>
    /// <param name="folder">The folder to write into.</param>
    /// <param name="options">Weight dtype and shard size; null takes the defaults.</param>
    public static void Save(CausalLM model, ModelTokenizer tokenizer, string folder, CheckpointSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        RequireTokenizerFits(model, tokenizer);
        SaveWeights(model, folder, options);
        tokenizer.Save(folder);
    }

    /// <summary>
    /// Writes <paramref name="model"/> as one GGUF file that llama.cpp, Ollama and <see cref="LocalModel.Load"/> load:
    /// weights, hyperparameters, the tokenizer (<see cref="ModelTokenizer.ToGgufVocabulary"/>) and its chat template.
    /// </summary>
    /// <param name="model">The model; LoRA adapters must be merged first.</param>
    /// <param name="path">The <c>.gguf</c> file to write.</param>
    /// <param name="weightType">Storage of 2-D weights: F32, F16 (default), BF16 or Q8_0. Norms and biases stay F32.</param>
    public static void SaveGguf(LocalModel model, string path, GgmlType weightType = GgmlType.F16)
    {
        ArgumentNullException.ThrowIfNull(model);
        SaveGguf(model.Model, model.Tokenizer, path, weightType);
    }

    /// <summary>Writes <paramref name="model"/> with <paramref name="tokenizer"/> as one GGUF file that llama.cpp, Ollama and <see cref="LocalModel.Load"/> load.</summary>
    /// <param name="model">The network; LoRA adapters must be merged first.</param>
    /// <param name="tokenizer">Its tokenizer, padded to the model's <see cref="CausalLMConfig.VocabSize"/> tokens as llama.cpp needs.</param>
    /// <param name="path">The <c>.gguf</c> file to write.</param>
    /// <param name="weightType">Storage of 2-D weights: F32, F16 (default), BF16 or Q8_0. Norms and biases stay F32.</param>
    /// <exception cref="NotSupportedException">The tokenizer has no GGUF form (see <see cref="ModelTokenizer.ToGgufVocabulary"/>).</exception>
    /// <exception cref="ArgumentException">A Qwen2 model that llama.cpp's qwen2 architecture cannot hold (see <see cref="GgufModelWriter.Write"/>).</exception>
    public static void SaveGguf(CausalLM model, ModelTokenizer tokenizer, string path, GgmlType weightType = GgmlType.F16)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        RequireTokenizerFits(model, tokenizer);
        WriteGguf(model, path, weightType, tokenizer.ToGgufVocabulary(model.Config.VocabSize));
    }

    /// <summary>
    /// Writes <paramref name="model"/>'s base as a Hugging Face model folder (as <see cref="Save(LocalModel, string, CheckpointSaveOptions?)"/>
    /// does) while LoRA adapters stay attached: the adapters are left out, so the folder holds exactly the weights the
    /// model computes with its adapters off. Save the adapters beside it with <see cref="Lora.LoraCheckpoint.Save"/>.
    /// Call it on the model's owner thread (inside <c>ModelHost.RunAsync</c> when hosted).
    /// </summary>
    /// <exception cref="NotSupportedException">The rotary frequencies came from a GGUF rope_freqs tensor, which config.json cannot express.</exception>
    internal static void SaveBase(LocalModel model, string folder)
    {
        var network = model.Model;
        if (network.RopeFrequencyDivisors is not null && network.Config.RopeScaling is null)
            throw new NotSupportedException("This model's rotary frequencies came from a GGUF rope_freqs tensor, which a model folder cannot express.");
        Directory.CreateDirectory(folder);
        using (var scope = NewDisposeScope())
        {
            var weights = network.named_parameters()
                .Where(p => !p.name.Contains(".lora_", StringComparison.Ordinal))
                .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach()))
                .ToList();
            SafetensorsWriter.Write(Path.Combine(folder, SafetensorsCheckpoint.SingleFile), weights);
        }
        var config = network.Config with { TorchDtype = TorchDtypeName(network.Describe().DType) };
        AtomicFile.WriteAllBytes(Path.Combine(folder, "config.json"), Encoding.UTF8.GetBytes(config.ToJson()));
        AtomicFile.WriteAllBytes(Path.Combine(folder, GenerationDefaults.FileName), Encoding.UTF8.GetBytes(model.Defaults.ToJson(network.Config)));
        RequireTokenizerFits(network, model.Tokenizer);
        model.Tokenizer.Save(folder);
    }

    /// <summary>config.json and the safetensors weights alone, for tests of the weight format.</summary>
    internal static void SaveWeights(CausalLM model, string folder, CheckpointSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= new CheckpointSaveOptions();
        if (model.Lora is not null)
            throw new InvalidOperationException("The model has LoRA adapters: call MergeAdapters() to save a merged model, or save the adapters alone with LoraCheckpoint.Save.");
        if (model.RopeFrequencyDivisors is not null && model.Config.RopeScaling is null)
            throw new NotSupportedException("This model's rotary frequencies came from a GGUF rope_freqs tensor, which config.json cannot express; save it as GGUF instead.");
        Directory.CreateDirectory(folder);

        var dtype = options.DType ?? model.Describe().DType;
        var config = model.Config with { TorchDtype = TorchDtypeName(dtype) };
        SafetensorsCheckpoint.Save(model, folder, options.DType, options.MaxShardBytes);
        AtomicFile.WriteAllBytes(Path.Combine(folder, "config.json"), Encoding.UTF8.GetBytes(config.ToJson()));
    }

    /// <summary>A GGUF file with the given vocabulary, or none, for tests of the weight format.</summary>
    internal static void WriteGguf(CausalLM model, string path, GgmlType weightType, GgufVocabulary? vocabulary)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Lora is not null)
            throw new InvalidOperationException("The model has LoRA adapters: call MergeAdapters() before exporting it.");
        using var scope = NewDisposeScope();
        var weights = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter.detach().cpu());
        GgufModelWriter.Write(path, model.Config, weights, vocabulary, weightType, model.RopeFrequencyDivisors?.ToArray());
    }

    private static void RequireTokenizerFits(CausalLM model, ModelTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw new ArgumentException(
                $"The tokenizer has {tokenizer.VocabSize} tokens, but the model's embedding has only {model.Config.VocabSize} rows (vocab_size).", nameof(tokenizer));
    }

    /// <summary>
    /// Loads a GGUF file's model and vocabulary, copying each weight into the model as soon as it is decoded, so that
    /// memory holds the model and one decoded weight rather than every weight twice. Everything but the weights'
    /// bytes (metadata, tensor presence, shapes and types) is checked before the model is built.
    /// </summary>
    /// <param name="path">The <c>.gguf</c> file.</param>
    /// <param name="options">Dtype and device.</param>
    /// <param name="onWeightDecoded">Sees each decoded weight before it is copied (and disposed); for tests of the loading.</param>
    internal static (CausalLM Model, GgufVocabulary? Vocabulary, IReadOnlyList<string> Warnings) LoadGguf(
        string path, ModelLoadOptions options, Action<Tensor>? onWeightDecoded = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"GGUF file '{path}' does not exist.", path);
        using var reader = GgufModelReader.Open(path);
        var model = Create(reader.Config, reader.RopeFrequencyDivisors, options);
        try
        {
            // Decoded on the CPU: copying into the model moves each weight to its device, so the device never holds two copies.
            var sources = new Dictionary<string, WeightSource>(reader.Slots.Count, StringComparer.Ordinal);
            for (int i = 0; i < reader.Slots.Count; i++)
            {
                int index = i;
                sources.Add(reader.Slots[i].HuggingFaceName, new WeightSource(reader.Slots[i].Shape, path, () =>
                {
                    var weight = reader.ReadWeight(index, options.DType);
                    onWeightDecoded?.Invoke(weight);
                    return weight;
                }));
            }
            WeightCopier.Copy(model, sources);
            return (model, reader.Vocabulary, reader.Warnings);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>True when <paramref name="path"/> names a GGUF file rather than a model folder.</summary>
    internal static bool IsGguf(string path) =>
        !Directory.Exists(path) && path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Builds a model for <paramref name="config"/> whose parameters are allocated in the requested dtype from the
    /// start (no float32 copy of a bf16 model), then placed on the requested device, in evaluation mode.
    /// </summary>
    internal static CausalLM Create(CausalLMConfig config, IReadOnlyList<float>? ropeFrequencyDivisors, ModelLoadOptions options)
    {
        var previous = get_default_dtype();
        set_default_dtype(options.DType);
        CausalLM model;
        try
        {
            model = new CausalLM(config, ropeFrequencyDivisors);
        }
        finally
        {
            set_default_dtype(previous);
        }
        model.to(options.Device);
        model.eval();
        return model;
    }

    private static string TorchDtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float64 => "float64",
        _ => throw new NotSupportedException($"Cannot save weights as {dtype}."),
    };
}
