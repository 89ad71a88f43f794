using System.Text;

namespace AgentFlow.MLNet.Models.Chat;

/// <summary>
/// Renders the Llama 2 chat format: each user turn <c>&lt;s&gt;[INST] content [/INST]</c> (BOS written here), each
/// assistant reply <c> content &lt;/s&gt;</c>, contents trimmed; a first system turn goes inside the first user turn
/// as <c>&lt;&lt;SYS&gt;&gt;\nsystem\n&lt;&lt;/SYS&gt;&gt;\n\n</c>.
/// </summary>
/// <remarks>
/// The format has no generation prompt: a prompt ending in <c>[/INST]</c> already asks for the reply, so
/// <c>addGenerationPrompt</c> adds nothing. It has no tool role, and turns after the system one must alternate
/// user/assistant starting with user; other conversations are rejected, as the reference template rejects them.
/// </remarks>
internal static class Llama2Format
{
    public static string Render(IReadOnlyList<ChatTurn> turns)
    {
        var system = turns.Count > 0 && turns[0].Role == ChatRoles.System ? turns[0].Content : null;
        var first = system is null ? 0 : 1;
        var text = new StringBuilder();
        for (var i = first; i < turns.Count; i++)
        {
            var turn = turns[i];
            var expected = (i - first) % 2 == 0 ? ChatRoles.User : ChatRoles.Assistant;
            if (turn.Role != expected)
                throw new ArgumentException(
                    $"Llama 2 chat needs turns alternating user/assistant after an optional first system turn; turn {i} is '{turn.Role}', expected '{expected}'.",
                    nameof(turns));
            if (turn.Role == ChatRoles.User)
            {
                var content = i == first && system is not null
                    ? $"<<SYS>>\n{system}\n<</SYS>>\n\n{turn.Content}"
                    : turn.Content;
                text.Append("<s>[INST] ").Append(content.Trim()).Append(" [/INST]");
            }
            else
            {
                text.Append(' ').Append(turn.Content.Trim()).Append(" </s>");
            }
        }
        return text.ToString();
    }
}
