using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Decoder;
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
    /// <param name="model">The network.</param>
    /// <param name="tokenizer">Its tokenizer; its <see cref="ModelTokenizer.Warnings"/> join <see cref="Warnings"/>.</param>
    /// <param name="chatTemplate">The chat format.</param>
    /// <param name="defaults">Sampling defaults; none when null.</param>
    /// <param name="source">Where the parts came from, for messages.</param>
    /// <param name="warnings">What loading the parts tolerated, to report in <see cref="Warnings"/>.</param>
    public LocalModel(CausalLM model, ModelTokenizer tokenizer, ChatTemplate chatTemplate, GenerationDefaults? defaults = null,
        string source = "(in memory)", IEnumerable<string>? warnings = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ChatTemplate = chatTemplate ?? throw new ArgumentNullException(nameof(chatTemplate));
        Defaults = defaults ?? new GenerationDefaults();
        Source = source;
        var tolerated = (warnings ?? []).Concat(tokenizer.Warnings).ToList();
        StopTokenIds = CollectStopTokenIds(tolerated);
        Warnings = tolerated.AsReadOnly();
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
    /// What loading tolerated rather than used, one line each, for the caller to show (the <c>agentflow</c> CLI prints
    /// them on standard error): a special-token id that names no token (GGUF writers write 0xFFFFFFFF for "none";
    /// Hugging Face files write null or -1), which is then absent, as in llama.cpp and transformers; a BOS the files
    /// ask for but do not name (prompts go without); no end-of-sequence token at all (generation then stops only at
    /// its token limit or a stop sequence). Empty for a clean model.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

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
            var (model, vocabulary, ggufWarnings) = CausalLMCheckpoint.LoadGguf(path, options);
            try
            {
                var tokenizer = ModelTokenizer.FromGguf(vocabulary ?? throw new InvalidDataException($"'{path}' carries no tokenizer (tokenizer.ggml.* metadata)."));
                return new LocalModel(model, tokenizer, TemplateFor(tokenizer, model.Config, chatTemplate), source: path, warnings: ggufWarnings);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }

        var warnings = new List<string>();
        var tokenizerFromFolder = ModelTokenizer.Load(path);
        var defaults = GenerationDefaults.Load(path, warnings);
        var loaded = CausalLMCheckpoint.Load(path, options, warnings);
        return new LocalModel(loaded, tokenizerFromFolder, TemplateFor(tokenizerFromFolder, loaded.Config, chatTemplate), defaults, path, warnings);
    }

    /// <summary>
    /// Loads only the tokenizer of a model folder, a <c>tokenizer.json</c>, or a <c>.gguf</c> file (no weights are read);
    /// what reading the files tolerated is in its <see cref="ModelTokenizer.Warnings"/>.
    /// </summary>
    public static ModelTokenizer LoadTokenizer(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!CausalLMCheckpoint.IsGguf(path))
            return ModelTokenizer.Load(path);
        using var file = GgufFile.Open(path);
        var warnings = new List<string>();
        var vocabulary = GgufVocabularyMetadata.Read(file.Metadata, warnings)
            ?? throw new InvalidDataException($"'{path}' carries no tokenizer (tokenizer.ggml.* metadata).");
        return GgufTokenizer.Create(vocabulary, warnings);
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

    /// <summary>
    /// The config's, generation_config's and the tokenizer's EOS ids, in that order, without repeats. An id past the
    /// model's embedding can never be generated, so it is dropped with a warning; so is the want of any id at all.
    /// </summary>
    private List<int> CollectStopTokenIds(List<string> warnings)
    {
        int rows = Model.Config.VocabSize;
        var candidates = Model.Config.EosTokenIds.Select(id => (id, Origin: "config eos_token_id"))
            .Concat(Defaults.EosTokenIds.Select(id => (id, Origin: "generation_config eos_token_id")))
            .Concat(Tokenizer.EosTokenId is int eos ? [(eos, "the tokenizer's EOS token")] : []);
        var stops = new List<int>();
        foreach (var (id, origin) in candidates)
        {
            if (id < 0 || id >= rows)
                warnings.Add($"'{Source}': {origin} {id} is outside the model's {rows} embedding rows, so it cannot end a generation; it is ignored.");
            else if (!stops.Contains(id))
                stops.Add(id);
        }
        if (stops.Count == 0)
        {
            warnings.Add($"'{Source}' names no end-of-sequence token (eos_token_id in config.json or generation_config.json, the tokenizer's " +
                "eos_token, or GGUF tokenizer.ggml.eos/eot/eom_token_id); generation stops only at its token limit or a stop sequence.");
        }
        return stops;
    }

    private static ChatTemplate TemplateFor(ModelTokenizer tokenizer, CausalLMConfig config, ChatTemplateKind? kind) =>
        kind is { } chosen ? ChatTemplate.For(chosen) : ChatTemplate.Detect(tokenizer.ChatTemplateText, config.ModelType);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
