using System.Text;
using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Models.Chat;

/// <summary>Reads the chat format, and ChatML's default system prompt, out of a Jinja chat template's text.</summary>
internal static class ChatTemplateDetection
{
    // A Jinja string literal holding a whole system turn, as Qwen2.5's template writes its default:
    // '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n'.
    // Qwen3's system literal stops after "system\n" (the content is concatenated), so it does not match.
    private static readonly Regex DefaultSystemTurn = new(
        @"(?<quote>['""])<\|im_start\|>system\\n(?<text>(?:\\.|(?!\k<quote>)[^\\])*?)<\|im_end\|>",
        RegexOptions.CultureInvariant);

    /// <summary>The format of <paramref name="jinjaText"/>, else of <paramref name="modelType"/>.</summary>
    /// <exception cref="NotSupportedException">Neither tells a known format.</exception>
    public static ChatTemplateKind DetectKind(string? jinjaText, string? modelType)
    {
        if (jinjaText is not null)
        {
            if (jinjaText.Contains("<|im_start|>", StringComparison.Ordinal))
                return ChatTemplateKind.ChatML;
            if (jinjaText.Contains("<|start_header_id|>", StringComparison.Ordinal))
                return ChatTemplateKind.Llama3;
            if (jinjaText.Contains("[INST]", StringComparison.Ordinal))
                return ChatTemplateKind.Llama2;
        }
        return modelType?.ToLowerInvariant() switch
        {
            "qwen2" or "qwen2_moe" or "qwen3" or "qwen3_moe" => ChatTemplateKind.ChatML,
            // A config.json says "llama" for Llama 2 and Llama 3 alike; the current family is assumed.
            "llama" => ChatTemplateKind.Llama3,
            _ => throw new NotSupportedException(
                $"Cannot tell the chat format: the template text {(jinjaText is null ? "is absent" : "has none of <|im_start|>, <|start_header_id|>, [INST]")} "
                + $"and model type '{modelType}' is not one of qwen2, qwen2_moe, qwen3, qwen3_moe, llama. Choose one with ChatTemplate.For."),
        };
    }

    /// <summary>The system prompt a ChatML template writes when a conversation has none, or null.</summary>
    public static string? DefaultSystemPrompt(string? jinjaText)
    {
        if (jinjaText is null)
            return null;
        var match = DefaultSystemTurn.Match(jinjaText);
        return match.Success ? UnescapeJinjaString(match.Groups["text"].Value) : null;
    }

    private static string UnescapeJinjaString(string literal)
    {
        var text = new StringBuilder(literal.Length);
        for (var i = 0; i < literal.Length; i++)
        {
            if (literal[i] != '\\' || i == literal.Length - 1)
            {
                text.Append(literal[i]);
                continue;
            }
            text.Append(literal[++i] switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                var other => other, // \\ \' \"
            });
        }
        return text.ToString();
    }
}
