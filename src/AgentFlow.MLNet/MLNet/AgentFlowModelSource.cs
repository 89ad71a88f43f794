using AgentFlow.MLNet.Models;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// Where an AgentFlow pipeline's model comes from: a Hugging Face model folder, a GGUF file, or the built-in tiny
/// model (randomly initialised, for tests and quick starts). One model serves all four modules; the planner is that
/// model plus LoRA adapters when training attaches them.
/// </summary>
public sealed record AgentFlowModelSource
{
    private AgentFlowModelSource(string? path, TinyModelOptions? tiny)
    {
        Path = path;
        Tiny = tiny;
    }

    /// <summary>The model folder or <c>.gguf</c> file; null for the tiny model.</summary>
    public string? Path { get; }

    /// <summary>The tiny model's options; null for a checkpoint.</summary>
    public TinyModelOptions? Tiny { get; }

    /// <summary>A Hugging Face model folder (config.json, safetensors, tokenizer files).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static AgentFlowModelSource FromFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Model folder '{folder}' does not exist.");
        return new AgentFlowModelSource(System.IO.Path.GetFullPath(folder), null);
    }

    /// <summary>A <c>.gguf</c> file (weights and embedded vocabulary).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static AgentFlowModelSource FromGguf(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"GGUF file '{path}' does not exist.", path);
        if (!path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"'{path}' does not end in .gguf; use FromFolder for a Hugging Face model folder.", nameof(path));
        return new AgentFlowModelSource(System.IO.Path.GetFullPath(path), null);
    }

    /// <summary>The built-in tiny model (<see cref="TinyModel.Create"/>); default options when null.</summary>
    public static AgentFlowModelSource TinyModel(TinyModelOptions? options = null) => new(null, options ?? new TinyModelOptions());

    /// <summary>Loads the model on <paramref name="device"/> (the tiny model's own device option when null).</summary>
    internal LocalModel Load(Device? device)
    {
        if (Tiny is { } tiny)
            return Models.TinyModel.Create(device is null ? tiny : tiny with { Device = device });
        return LocalModel.Load(Path!, device is null ? null : new ModelLoadOptions { Device = device });
    }

    /// <inheritdoc />
    public override string ToString() => Path ?? $"tiny model (seed {Tiny!.Seed})";
}
