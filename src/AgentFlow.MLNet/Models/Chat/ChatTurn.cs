namespace AgentFlow.MLNet.Models.Chat;

/// <summary>One message of a conversation.</summary>
/// <param name="Role"><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c> (a tool result).</param>
/// <param name="Content">The message text.</param>
public sealed record ChatTurn(string Role, string Content);
