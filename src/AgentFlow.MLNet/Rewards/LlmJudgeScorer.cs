using System.Text;
using AgentFlow.MLNet.Rewards.Extraction;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// Asks a language model whether the extracted answer means the same as a gold answer, as the reference
/// AgentFlow scores open-ended questions. The judge is any <see cref="IChatClient"/> (a local model or an
/// OpenAI-compatible server); it is asked for a short analysis and a <c>Verdict: true|false</c> line, read
/// tolerantly. A reply with no readable verdict scores 0 with the reply in the reason. Failures of the
/// client itself (network, server) are not turned into a score: they propagate, because a silent 0 would
/// corrupt the rewards of a training run.
/// </summary>
public sealed class LlmJudgeScorer : IAnswerScorer
{
    /// <summary>The instruction given to the judge as its system message.</summary>
    public const string SystemPrompt =
        "You grade answers to questions. You are given a question, one or more reference answers, and a " +
        "candidate answer. The candidate is correct when it gives the same answer as one of the references: " +
        "differences in wording, letter case, formatting, or equivalent forms of a number or date do not " +
        "matter. It is incorrect when it gives a different answer, only part of the answer, or several " +
        "candidates without committing to one.\n" +
        "Reply in exactly this format:\n" +
        "Analysis: <one or two sentences>\n" +
        "Verdict: <true or false>";

    private readonly IChatClient chatClient;
    private readonly ChatOptions chatOptions;

    /// <summary>Creates the judge.</summary>
    /// <param name="chatClient">The judge model.</param>
    /// <param name="chatOptions">Options for each judge call; null for temperature 0 and at most 512 output tokens.</param>
    /// <param name="extractor">How the answer is found in the response; null for <see cref="AnswerExtractors.Default"/>.</param>
    public LlmJudgeScorer(IChatClient chatClient, ChatOptions? chatOptions = null, IAnswerExtractor? extractor = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        this.chatClient = chatClient;
        this.chatOptions = chatOptions ?? new ChatOptions { Temperature = 0, MaxOutputTokens = 512 };
        Extractor = extractor ?? AnswerExtractors.Default;
    }

    /// <summary>How the answer is found in the response.</summary>
    public IAnswerExtractor Extractor { get; }

    /// <inheritdoc />
    public async ValueTask<ScoreResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Response, nameof(request) + "." + nameof(request.Response));
        if (request.GoldAnswers is null || request.GoldAnswers.Count == 0)
            throw new ArgumentException("The request needs at least one gold answer.", nameof(request) + "." + nameof(request.GoldAnswers));
        cancellationToken.ThrowIfCancellationRequested();

        // No answer means no judge call: there is nothing to compare, and the call would cost a request.
        if (Extractor.Extract(request.Response) is not { } answer)
            return ScoreResult.Incorrect(null, "no answer found in the response");

        ChatMessage[] messages = [new(ChatRole.System, SystemPrompt), new(ChatRole.User, BuildPrompt(request, answer))];
        // Cloned per call: a client is free to adjust the options it is handed, and this scorer is shared.
        var response = await chatClient.GetResponseAsync(messages, chatOptions.Clone(), cancellationToken).ConfigureAwait(false);
        string reply = response.Text ?? "";
        if (!JudgeVerdict.TryParse(reply, out bool verdict, out string analysis))
            return ScoreResult.Incorrect(answer, $"the judge's reply has no true/false verdict: '{ScoringText.Quote(reply)}'");
        string reason = $"judge verdict {(verdict ? "true" : "false")}: {ScoringText.Quote(analysis)}";
        return verdict ? ScoreResult.Correct(answer, reason) : ScoreResult.Incorrect(answer, reason);
    }

    /// <summary>The user message: question, references, candidate.</summary>
    internal static string BuildPrompt(ScoringRequest request, string answer)
    {
        var prompt = new StringBuilder();
        prompt.Append("Question:\n").Append(request.Question.Length > 0 ? request.Question : "(not given)").Append("\n\n");
        prompt.Append(request.GoldAnswers.Count == 1 ? "Reference answer:\n" : "Reference answers (any one is right):\n");
        foreach (string gold in request.GoldAnswers)
            prompt.Append("- ").Append(gold).Append('\n');
        prompt.Append("\nCandidate answer:\n").Append(answer).Append('\n');
        return prompt.ToString();
    }
}
