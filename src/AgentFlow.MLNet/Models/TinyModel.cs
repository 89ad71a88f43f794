using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models;

/// <summary>
/// A small, randomly initialised, complete model to start from when no checkpoint is at hand: a seeded Qwen2-style
/// decoder, a byte-level tokenizer (the 256 bytes plus ChatML's <c>&lt;|endoftext|&gt;</c>, <c>&lt;|im_start|&gt;</c> and
/// <c>&lt;|im_end|&gt;</c>, so any text round-trips) and the ChatML chat template. It generates noise until trained, and
/// saves and loads like any checkpoint (<see cref="CausalLMCheckpoint.Save(LocalModel, string, CheckpointSaveOptions?)"/>,
/// <see cref="CausalLMCheckpoint.SaveGguf(LocalModel, string, Gguf.GgmlType)"/>).
/// </summary>
public static class TinyModel
{
    /// <summary>The end-of-text token, id 256: padding and document separator.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Opens a ChatML turn, id 257.</summary>
    public const string ImStart = "<|im_start|>";

    /// <summary>Ends a ChatML turn, id 258: the token that stops generation.</summary>
    public const string ImEnd = "<|im_end|>";

    /// <summary>
    /// ChatML as a Jinja template for Hugging Face tools; it renders what <see cref="ChatTemplateKind.ChatML"/> renders
    /// (a run of tool results becomes one user turn of <c>&lt;tool_response&gt;</c> blocks).
    /// </summary>
    public const string ChatTemplateText =
        "{%- for message in messages %}"
        + "{%- if message['role'] == 'tool' %}"
        + "{%- if loop.first or messages[loop.index0 - 1]['role'] != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}"
        + "{{- '\\n<tool_response>\\n' + message['content'] + '\\n</tool_response>' }}"
        + "{%- if loop.last or messages[loop.index0 + 1]['role'] != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}"
        + "{%- else %}"
        + "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
        + "{%- endif %}"
        + "{%- endfor %}"
        + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    /// <summary>
    /// Builds the model: Qwen2 layout (q/k/v bias, tied LM head, rope_theta 1e6), weights drawn as Hugging Face
    /// initialises them (normal, std 0.02) from <see cref="TinyModelOptions.Seed"/>, in evaluation mode.
    /// </summary>
    /// <param name="options">Sizes, seed and device; null takes the defaults.</param>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public static LocalModel Create(TinyModelOptions? options = null)
    {
        options ??= new TinyModelOptions();
        var config = Config(options);
        var tokenizer = Tokenizer();

        // Initialised on the CPU, whose generator makes the weights the same on every machine, then moved.
        var model = CausalLMCheckpoint.Create(config, ropeFrequencyDivisors: null, new ModelLoadOptions());
        try
        {
            model.InitializeWeights(new Generator((ulong)options.Seed));
            model.to(options.Device);
            return new LocalModel(model, tokenizer, ChatTemplate.Detect(tokenizer.ChatTemplateText), source: $"tiny model (seed {options.Seed})");
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The configuration <see cref="Create"/> builds: the Qwen2 layout (q/k/v bias, tied LM head, rope_theta 1e6) at the
    /// sizes of <paramref name="options"/>, over the byte-level vocabulary of <see cref="Tokenizer"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public static CausalLMConfig Config(TinyModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var tokenizer = Tokenizer();
        return new CausalLMConfig
        {
            ModelType = "qwen2",
            VocabSize = tokenizer.VocabSize,
            HiddenSize = options.HiddenSize,
            IntermediateSize = options.IntermediateSize,
            NumHiddenLayers = options.Layers,
            NumAttentionHeads = options.AttentionHeads,
            NumKeyValueHeads = options.KeyValueHeads,
            HeadDim = options.HiddenSize / options.AttentionHeads,
            RopeTheta = 1_000_000,
            MaxPositionEmbeddings = options.ContextLength,
            TieWordEmbeddings = true,
            AttentionBias = true,
            EosTokenIds = [tokenizer.SpecialTokens[ImEnd]],
        };
    }

    /// <summary>The tiny model's tokenizer: byte-level, ids 0–255 the UTF-8 bytes, 256–258 the ChatML special tokens, with the ChatML template.</summary>
    public static ModelTokenizer Tokenizer() =>
        ModelTokenizer.ByteLevel([EndOfText, ImStart, ImEnd], eosToken: ImEnd, chatTemplateText: ChatTemplateText);

    private static void Validate(TinyModelOptions options)
    {
        Positive(options.HiddenSize, nameof(options.HiddenSize));
        Positive(options.Layers, nameof(options.Layers));
        Positive(options.AttentionHeads, nameof(options.AttentionHeads));
        Positive(options.KeyValueHeads, nameof(options.KeyValueHeads));
        Positive(options.IntermediateSize, nameof(options.IntermediateSize));
        Positive(options.ContextLength, nameof(options.ContextLength));
        if (options.HiddenSize % options.AttentionHeads != 0 || options.HiddenSize / options.AttentionHeads % 2 != 0)
            throw new ArgumentException(
                $"TinyModelOptions.HiddenSize ({options.HiddenSize}) must be AttentionHeads ({options.AttentionHeads}) times an even head dimension.", nameof(options));
        if (options.AttentionHeads % options.KeyValueHeads != 0)
            throw new ArgumentException(
                $"TinyModelOptions.KeyValueHeads ({options.KeyValueHeads}) must divide AttentionHeads ({options.AttentionHeads}).", nameof(options));
        if (options.Seed < 0)
            throw new ArgumentException($"TinyModelOptions.Seed must be non-negative, got {options.Seed}.", nameof(options));
        ArgumentNullException.ThrowIfNull(options.Device, "options.Device");
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
            throw new ArgumentException($"TinyModelOptions.{name} must be positive, got {value}.", "options");
    }
}
