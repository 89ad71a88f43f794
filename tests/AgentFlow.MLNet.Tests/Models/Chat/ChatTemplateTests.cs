using System.Text.Json;
using AgentFlow.MLNet.Models.Chat;

namespace AgentFlow.MLNet.Tests.Models.Chat;

/// <summary>
/// Renderings compared with the models' own Jinja templates: every expected string below is what
/// @huggingface/jinja 0.5 produced from the Qwen2.5, Qwen3 (TestData/tokenizers), Llama 3 and Llama 2 templates.
/// </summary>
public sealed class ChatTemplateTests
{
    // The default-system branch of Qwen2.5-Instruct's template, as in its tokenizer_config.json.
    private const string Qwen25TemplateExcerpt = """
        {%- if tools %}
            {{- '<|im_start|>system\n' }}
            {%- if messages[0]['role'] == 'system' %}
                {{- messages[0]['content'] }}
            {%- else %}
                {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
            {%- endif %}
        {%- else %}
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
            {%- else %}
                {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
            {%- endif %}
        {%- endif %}
        """;

    private static readonly ChatTurn[] Dialogue =
    [
        new("system", "You are terse."),
        new("user", "Hi there"),
        new("assistant", "Hello! How can I help?"),
        new("user", "What is 2+2?"),
    ];

    private static readonly ChatTurn[] UserOnly = [new("user", "  spaced question \n")];

    private static readonly ChatTurn[] WithToolResults =
    [
        new("system", "S"), new("user", "U"), new("assistant", "calling"), new("tool", "r1"), new("tool", "r2"), new("user", "U2"),
    ];

    [Fact]
    public void ChatMLRendersAsQwenTemplates()
    {
        var chatML = ChatTemplate.For(ChatTemplateKind.ChatML);

        Assert.Equal(
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello! How can I help?<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
            chatML.Render(Dialogue, addGenerationPrompt: true));
        Assert.Equal(
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello! How can I help?<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n",
            chatML.Render(Dialogue, addGenerationPrompt: false));
        Assert.Equal(
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\ncalling<|im_end|>\n<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n",
            chatML.Render(WithToolResults, addGenerationPrompt: true));
        Assert.False(chatML.RendersBosToken);
    }

    [Fact]
    public void Qwen25TemplateBringsItsDefaultSystemPrompt()
    {
        var template = ChatTemplate.Detect(Qwen25TemplateExcerpt);

        Assert.Equal(ChatTemplateKind.ChatML, template.Kind);
        Assert.Equal("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.", template.DefaultSystemPrompt);
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n  spaced question \n<|im_end|>\n<|im_start|>assistant\n",
            template.Render(UserOnly, addGenerationPrompt: true));
        // A conversation's own system turn replaces the default.
        Assert.StartsWith("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user", template.Render(Dialogue, addGenerationPrompt: false));
    }

    [Fact]
    public void Qwen3TemplateIsChatMLWithoutDefaultSystemPrompt()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.Qwen3TokenizerFolder, "tokenizer_config.json")));
        var jinja = config.RootElement.GetProperty("chat_template").GetString();

        var template = ChatTemplate.Detect(jinja);

        Assert.Equal(ChatTemplateKind.ChatML, template.Kind);
        Assert.Null(template.DefaultSystemPrompt);
        Assert.Equal("<|im_start|>user\n  spaced question \n<|im_end|>\n<|im_start|>assistant\n", template.Render(UserOnly, addGenerationPrompt: true));
        Assert.Equal(
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\ncalling<|im_end|>\n<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n<|im_start|>user\nU2<|im_end|>\n",
            template.Render(WithToolResults, addGenerationPrompt: false));
    }

    [Fact]
    public void Llama3RendersWithBosHeadersAndTrimmedContent()
    {
        var llama3 = ChatTemplate.Detect("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}");

        Assert.Equal(ChatTemplateKind.Llama3, llama3.Kind);
        Assert.True(llama3.RendersBosToken);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello! How can I help?<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            llama3.Render(Dialogue, addGenerationPrompt: true));
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nspaced question<|eot_id|>",
            llama3.Render(UserOnly, addGenerationPrompt: false));
        // Tool results take Llama 3.1's ipython header.
        Assert.Contains("<|start_header_id|>ipython<|end_header_id|>\n\nr1<|eot_id|>", llama3.Render(WithToolResults, addGenerationPrompt: false));
    }

    [Fact]
    public void Llama2RendersInstBlocksWithTheSystemInsideTheFirst()
    {
        var llama2 = ChatTemplate.Detect("{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}");

        Assert.Equal(ChatTemplateKind.Llama2, llama2.Kind);
        Assert.True(llama2.RendersBosToken);
        Assert.Equal(
            "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi there [/INST] Hello! How can I help? </s><s>[INST] What is 2+2? [/INST]",
            llama2.Render(Dialogue, addGenerationPrompt: true));
        Assert.Equal("<s>[INST] spaced question [/INST]", llama2.Render(UserOnly, addGenerationPrompt: false));
        Assert.Throws<ArgumentException>(() => llama2.Render(WithToolResults, addGenerationPrompt: true));
    }

    [Fact]
    public void ModelTypeDecidesWhenThereIsNoTemplateText()
    {
        Assert.Equal(ChatTemplateKind.ChatML, ChatTemplate.Detect(null, "qwen2").Kind);
        Assert.Equal(ChatTemplateKind.Llama3, ChatTemplate.Detect("{{ messages }}", "llama").Kind);
        Assert.Throws<NotSupportedException>(() => ChatTemplate.Detect("{{ messages }}", "gemma"));
        Assert.Throws<NotSupportedException>(() => ChatTemplate.Detect(null));
    }

    [Fact]
    public void ForOverridesDetectionAndCarriesADefaultSystemPrompt()
    {
        var template = ChatTemplate.For(ChatTemplateKind.Llama3, "Be brief.");

        Assert.StartsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>", template.Render(UserOnly, addGenerationPrompt: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChatTemplate.For((ChatTemplateKind)42));
    }

    [Fact]
    public void UnknownRolesAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ChatTemplate.For(ChatTemplateKind.ChatML).Render([new ChatTurn("narrator", "x")], addGenerationPrompt: false));

        Assert.Contains("narrator", error.Message);
    }
}
