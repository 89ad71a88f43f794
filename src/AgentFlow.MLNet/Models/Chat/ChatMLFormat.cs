using System.Text;

namespace AgentFlow.MLNet.Models.Chat;

/// <summary>
/// Renders ChatML exactly as the Qwen2.5 template does: every turn as <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>,
/// content untouched; a run of tool results as one user turn of <c>&lt;tool_response&gt;</c> blocks. No BOS.
/// </summary>
/// <remarks>
/// Qwen3's template differs only for reasoning: it strips <c>&lt;think&gt;</c> blocks from past assistant turns and
/// writes an empty one before a final assistant turn. Contents are rendered verbatim here, so a caller that wants
/// those blocks includes them in the content.
/// </remarks>
internal static class ChatMLFormat
{
    private const string Start = "<|im_start|>";
    private const string End = "<|im_end|>\n";

    public static string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        var text = new StringBuilder();
        for (var i = 0; i < turns.Count; i++)
        {
            var turn = turns[i];
            if (turn.Role != ChatRoles.Tool)
            {
                text.Append(Start).Append(turn.Role).Append('\n').Append(turn.Content).Append(End);
                continue;
            }
            // Consecutive tool results share one user turn.
            if (i == 0 || turns[i - 1].Role != ChatRoles.Tool)
                text.Append(Start).Append(ChatRoles.User);
            text.Append("\n<tool_response>\n").Append(turn.Content).Append("\n</tool_response>");
            if (i == turns.Count - 1 || turns[i + 1].Role != ChatRoles.Tool)
                text.Append(End);
        }
        if (addGenerationPrompt)
            text.Append(Start).Append(ChatRoles.Assistant).Append('\n');
        return text.ToString();
    }
}
