namespace AgentFlow.MLNet.Models.Chat;

/// <summary>
/// Turns a conversation into the prompt text a chat model was trained on. The three formats are written by hand
/// (no Jinja engine): <see cref="ChatTemplateKind.ChatML"/> (Qwen), <see cref="ChatTemplateKind.Llama3"/> and
/// <see cref="ChatTemplateKind.Llama2"/>. <see cref="Detect"/> picks one from a model's template text.
/// </summary>
/// <remarks>
/// The rendered text contains the special tokens as text (<c>&lt;|im_start|&gt;</c>...), which
/// <see cref="Tokenization.ModelTokenizer.Encode"/> turns into their ids. Whether it already starts with BOS is
/// <see cref="RendersBosToken"/>: true for Llama 3 and Llama 2, so encode their prompts with <c>addBos: false</c>.
/// </remarks>
public sealed class ChatTemplate
{
    private ChatTemplate(ChatTemplateKind kind, string? defaultSystemPrompt)
    {
        Kind = kind;
        DefaultSystemPrompt = defaultSystemPrompt;
    }

    /// <summary>The format.</summary>
    public ChatTemplateKind Kind { get; }

    /// <summary>The system turn put first when a conversation has none (Qwen2.5: "You are Qwen, created by Alibaba Cloud..."), or null.</summary>
    public string? DefaultSystemPrompt { get; }

    /// <summary>
    /// Whether <see cref="Render"/> writes the BOS token itself (<c>&lt;|begin_of_text|&gt;</c>, <c>&lt;s&gt;</c>): true for
    /// Llama 3 and Llama 2, false for ChatML, whose models use no BOS. When true, do not add BOS again when encoding.
    /// </summary>
    public bool RendersBosToken => Kind != ChatTemplateKind.ChatML;

    /// <summary>The prompt text of <paramref name="turns"/>.</summary>
    /// <param name="turns">The conversation; roles <c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>.</param>
    /// <param name="addGenerationPrompt">
    /// End with the header that opens the assistant's reply (ChatML <c>&lt;|im_start|&gt;assistant\n</c>, Llama 3
    /// <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n</c>; Llama 2 needs none).
    /// </param>
    /// <exception cref="ArgumentException">A turn is null, has an unknown role, or breaks the format's turn order.</exception>
    public string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(turns);
        for (var i = 0; i < turns.Count; i++)
        {
            if (turns[i] is not { Role: not null, Content: not null } turn)
                throw new ArgumentException($"Turn {i} is null or has a null role or content.", nameof(turns));
            if (!ChatRoles.IsKnown(turn.Role))
                throw new ArgumentException($"Turn {i} has role '{turn.Role}'; expected system, user, assistant or tool.", nameof(turns));
        }

        IReadOnlyList<ChatTurn> conversation = DefaultSystemPrompt is not null && (turns.Count == 0 || turns[0].Role != ChatRoles.System)
            ? [new ChatTurn(ChatRoles.System, DefaultSystemPrompt), .. turns]
            : turns;
        return Kind switch
        {
            ChatTemplateKind.ChatML => ChatMLFormat.Render(conversation, addGenerationPrompt),
            ChatTemplateKind.Llama3 => Llama3Format.Render(conversation, addGenerationPrompt),
            _ => Llama2Format.Render(conversation),
        };
    }

    /// <summary>The template of <paramref name="kind"/>, overriding detection.</summary>
    /// <param name="kind">The format.</param>
    /// <param name="defaultSystemPrompt">A system turn to put first when a conversation has none.</param>
    public static ChatTemplate For(ChatTemplateKind kind, string? defaultSystemPrompt = null)
    {
        if (!Enum.IsDefined(kind))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown chat template kind.");
        return new ChatTemplate(kind, defaultSystemPrompt);
    }

    /// <summary>
    /// The format of a model's Jinja chat template (<c>tokenizer_config.json</c> <c>chat_template</c>, GGUF
    /// <c>tokenizer.chat_template</c>): <c>&lt;|im_start|&gt;</c> means ChatML, <c>&lt;|start_header_id|&gt;</c> Llama 3,
    /// <c>[INST]</c> Llama 2; without a template, the config.json <paramref name="modelType"/> decides (qwen2/qwen3 →
    /// ChatML, llama → Llama 3). A ChatML template's built-in default system prompt becomes <see cref="DefaultSystemPrompt"/>.
    /// </summary>
    /// <param name="jinjaText">The template text, or null.</param>
    /// <param name="modelType">config.json <c>model_type</c>, or null.</param>
    /// <exception cref="NotSupportedException">Neither argument tells a known format; use <see cref="For"/>.</exception>
    public static ChatTemplate Detect(string? jinjaText, string? modelType = null)
    {
        var kind = ChatTemplateDetection.DetectKind(jinjaText, modelType);
        return new ChatTemplate(kind, kind == ChatTemplateKind.ChatML ? ChatTemplateDetection.DefaultSystemPrompt(jinjaText) : null);
    }
}
