using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Models;

/// <summary>
/// Everything needed to run a checkpoint locally: the network, its tokenizer, its chat template and its sampling
/// defaults. Load a Hugging Face folder or a GGUF file with <see cref="Load"/>.
/// </summary>
public sealed class LocalModel : IDisposable
{
    /// <summary>Bundles already-built parts (for models built in code, e.g. tiny test models).</summary>
    public LocalModel(CausalLM model, ModelTokenizer tokenizer, ChatTemplate chatTemplate, GenerationDefaults? defaults = null, string source = "(in memory)")
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ChatTemplate = chatTemplate ?? throw new ArgumentNullException(nameof(chatTemplate));
        Defaults = defaults ?? new GenerationDefaults();
        Source = source;
        StopTokenIds = model.Config.EosTokenIds
            .Concat(Defaults.EosTokenIds)
            .Concat(tokenizer.EosTokenId is int eos ? [eos] : [])
            .Distinct()
            .ToList();
    }

    /// <summary>The network.</summary>
    public CausalLM Model { get; }

    /// <summary>The tokenizer that came with it.</summary>
    public ModelTokenizer Tokenizer { get; }

    /// <summary>The chat template used for chat-formatted prompts.</summary>
    public ChatTemplate ChatTemplate { get; }

    /// <summary>The checkpoint's own sampling defaults.</summary>
    public GenerationDefaults Defaults { get; }

    /// <summary>Every id that ends a generation: the config's, generation_config's and the tokenizer's EOS ids.</summary>
    public IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>Where the model was loaded from.</summary>
    public string Source { get; }

    /// <summary>
    /// Loads a Hugging Face model folder (config.json, safetensors, tokenizer files, generation_config.json) or a
    /// <c>.gguf</c> file (weights and embedded vocabulary). The chat template is detected from the tokenizer's
    /// template text and the model family unless <paramref name="chatTemplate"/> overrides it.
    /// </summary>
    public static LocalModel Load(string path, ModelLoadOptions? options = null, ChatTemplateKind? chatTemplate = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new ModelLoadOptions();
        if (CausalLMCheckpoint.IsGguf(path))
        {
            var (model, vocabulary) = CausalLMCheckpoint.LoadGguf(path, options);
            try
            {
                var tokenizer = ModelTokenizer.FromGguf(vocabulary ?? throw new InvalidDataException($"'{path}' carries no tokenizer (tokenizer.ggml.* metadata)."));
                return new LocalModel(model, tokenizer, TemplateFor(tokenizer, model.Config, chatTemplate), source: path);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }

        var tokenizerFromFolder = ModelTokenizer.Load(path);
        var defaults = GenerationDefaults.Load(path);
        var loaded = CausalLMCheckpoint.Load(path, options);
        return new LocalModel(loaded, tokenizerFromFolder, TemplateFor(tokenizerFromFolder, loaded.Config, chatTemplate), defaults, path);
    }

    /// <summary>Loads only the tokenizer of a model folder, a <c>tokenizer.json</c>, or a <c>.gguf</c> file (no weights are read).</summary>
    public static ModelTokenizer LoadTokenizer(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!CausalLMCheckpoint.IsGguf(path))
            return ModelTokenizer.Load(path);
        using var file = GgufFile.Open(path);
        var vocabulary = GgufVocabularyMetadata.Read(file.Metadata)
            ?? throw new InvalidDataException($"'{path}' carries no tokenizer (tokenizer.ggml.* metadata).");
        return ModelTokenizer.FromGguf(vocabulary);
    }

    /// <summary>
    /// Token ids for a prompt. Raw text gets BOS only when the tokenizer's config asks for it; chat turns are rendered
    /// with <see cref="ChatTemplate"/> plus the assistant's generation prompt, without a second BOS. An empty raw prompt
    /// is BOS alone.
    /// </summary>
    public IReadOnlyList<int> EncodePrompt(string text, bool chat = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (chat)
            return EncodeChat([new ChatTurn(ChatRoles.User, text)]);
        if (text.Length == 0)
            return Tokenizer.BosTokenId is int bos ? [bos] : throw new ArgumentException("The prompt is empty and the model has no BOS token to start from.", nameof(text));
        return Tokenizer.Encode(text, addBos: Tokenizer.AddBosToken);
    }

    /// <summary>Renders a conversation with the chat template (ending with the assistant's turn opening) and encodes it.</summary>
    public IReadOnlyList<int> EncodeChat(IReadOnlyList<ChatTurn> turns)
    {
        string rendered = ChatTemplate.Render(turns, addGenerationPrompt: true);
        return Tokenizer.Encode(rendered, addBos: Tokenizer.AddBosToken && !ChatTemplate.RendersBosToken);
    }

    private static ChatTemplate TemplateFor(ModelTokenizer tokenizer, CausalLMConfig config, ChatTemplateKind? kind) =>
        kind is { } chosen ? ChatTemplate.For(chosen) : ChatTemplate.Detect(tokenizer.ChatTemplateText, config.ModelType);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
