using System.Text;
using AgentFlow.MLNet.IO;
using AgentFlow.MLNet.Models.Checkpoints;
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
    /// <summary>The files copied by <see cref="CheckpointSaveOptions.CopyTokenizerFrom"/>.</summary>
    public static readonly IReadOnlyList<string> TokenizerFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "tokenizer.model",
        "special_tokens_map.json", "added_tokens.json", "generation_config.json",
    ];

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
    /// Writes <paramref name="model"/> to <paramref name="folder"/> (created if needed) as <c>config.json</c> and
    /// safetensors weights that transformers and vLLM load.
    /// </summary>
    public static void Save(CausalLM model, string folder, CheckpointSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new CheckpointSaveOptions();
        if (model.Lora is not null)
            throw new InvalidOperationException("The model has LoRA adapters: call MergeAdapters() to save a merged model, or save the adapters alone with LoraCheckpoint.Save.");
        if (model.RopeFrequencyDivisors is not null && model.Config.RopeScaling is null)
            throw new NotSupportedException("This model's rotary frequencies came from a GGUF rope_freqs tensor, which config.json cannot express; save it as GGUF instead.");
        Directory.CreateDirectory(folder);

        if (options.CopyTokenizerFrom is { } source && !Path.GetFullPath(source).Equals(Path.GetFullPath(folder), StringComparison.Ordinal))
        {
            foreach (string name in TokenizerFiles.Where(name => File.Exists(Path.Combine(source, name))))
                File.Copy(Path.Combine(source, name), Path.Combine(folder, name), overwrite: true);
        }

        var dtype = options.DType ?? model.Describe().DType;
        var config = model.Config with { TorchDtype = TorchDtypeName(dtype) };
        SafetensorsCheckpoint.Save(model, folder, options.DType, options.MaxShardBytes);
        AtomicFile.WriteAllBytes(Path.Combine(folder, "config.json"), Encoding.UTF8.GetBytes(config.ToJson()));
    }

    /// <summary>Writes <paramref name="model"/> as a GGUF file that llama.cpp and Ollama load, with the tokenizer when given.</summary>
    /// <param name="model">The model; adapters must be merged first.</param>
    /// <param name="path">The <c>.gguf</c> file to write.</param>
    /// <param name="weightType">Storage of 2-D weights: F32, F16 (default), BF16 or Q8_0. Norms and biases stay F32.</param>
    /// <param name="vocabulary">The tokenizer to embed, e.g. from <see cref="GgufModel.Vocabulary"/>; null writes none.</param>
    public static void SaveGguf(CausalLM model, string path, GgmlType weightType = GgmlType.F16, GgufVocabulary? vocabulary = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Lora is not null)
            throw new InvalidOperationException("The model has LoRA adapters: call MergeAdapters() before exporting it.");
        using var scope = NewDisposeScope();
        var weights = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter.detach().cpu());
        GgufModelWriter.Write(path, model.Config, weights, vocabulary, weightType, model.RopeFrequencyDivisors?.ToArray());
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
