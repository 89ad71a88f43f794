using AgentFlow.MLNet.Text;

namespace AgentFlow.MLNet.Agent;

/// <summary>
/// What makes a question unsolvable, decided in one place so the agent, the trainer and the ML.NET surface refuse (or
/// skip) the same questions with the same words. Everything else is solved as given: control characters, right-to-left
/// and CJK text reach the model unchanged, and a prompt too long for the context is cut by the chat client's rule.
/// </summary>
internal static class QuestionText
{
    /// <summary>
    /// Why <paramref name="question"/> cannot be solved, completing "the question ...": "is empty", "is only white
    /// space", or "holds a lone UTF-16 surrogate (U+D800) at index 5, ..."; null when it can be.
    /// </summary>
    internal static string? Problem(string? question)
    {
        if (question is null)
            return "is missing (null)";
        if (question.Length == 0)
            return "is empty";
        if (string.IsNullOrWhiteSpace(question))
            return "is only white space";
        int lone = Utf16Text.IndexOfLoneSurrogate(question);
        return lone < 0
            ? null
            : $"holds {Utf16Text.DescribeLoneSurrogate(question, lone)}, which is not Unicode text: no tokenizer encodes it faithfully (replace it with U+FFFD or remove it)";
    }
}
