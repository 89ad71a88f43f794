namespace AgentFlow.MLNet.Models.Chat;

/// <summary>The role names a <see cref="ChatTurn"/> may carry.</summary>
internal static class ChatRoles
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";

    public static bool IsKnown(string role) => role is System or User or Assistant or Tool;
}
