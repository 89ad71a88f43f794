namespace AgentFlow.MLNet.Models.Chat;

/// <summary>The chat prompt formats <see cref="ChatTemplate"/> renders.</summary>
public enum ChatTemplateKind
{
    /// <summary>Qwen2 / Qwen2.5 / Qwen3: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>; no BOS.</summary>
    ChatML,

    /// <summary>Llama 3: <c>&lt;|begin_of_text|&gt;&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt;</c>.</summary>
    Llama3,

    /// <summary>Llama 2 chat: <c>&lt;s&gt;[INST] &lt;&lt;SYS&gt;&gt;\nsystem\n&lt;&lt;/SYS&gt;&gt;\n\nuser [/INST] assistant &lt;/s&gt;</c>.</summary>
    Llama2,
}
