using System.Text;

namespace AgentFlow.MLNet.Models.Chat;

/// <summary>
/// Renders the Llama 3 format: <c>&lt;|begin_of_text|&gt;</c> (BOS, written here), then per turn
/// <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\n</c> + trimmed content + <c>&lt;|eot_id|&gt;</c>.
/// </summary>
/// <remarks>
/// Tool results use the <c>ipython</c> header of Llama 3.1 and later. Llama 3.1's template also writes a
/// "Cutting Knowledge Date / Today Date" preamble into the system turn; that date-dependent text is not added.
/// </remarks>
internal static class Llama3Format
{
    private const string BeginOfText = "<|begin_of_text|>";
    private const string ToolHeader = "ipython";

    public static string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        var text = new StringBuilder(BeginOfText);
        foreach (var turn in turns)
        {
            AppendHeader(text, turn.Role == ChatRoles.Tool ? ToolHeader : turn.Role);
            text.Append(turn.Content.Trim()).Append("<|eot_id|>");
        }
        if (addGenerationPrompt)
            AppendHeader(text, ChatRoles.Assistant);
        return text.ToString();
    }

    private static void AppendHeader(StringBuilder text, string role) =>
        text.Append("<|start_header_id|>").Append(role).Append("<|end_header_id|>\n\n");
}
