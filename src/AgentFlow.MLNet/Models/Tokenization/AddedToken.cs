namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// A token matched whole in the text before BPE runs (Hugging Face "added token"): <c>&lt;|im_start|&gt;</c>,
/// <c>&lt;think&gt;</c>... <paramref name="Special"/> ones are dropped by <c>Decode(skipSpecialTokens: true)</c>.
/// </summary>
internal sealed record AddedToken(int Id, string Content, bool Special);
