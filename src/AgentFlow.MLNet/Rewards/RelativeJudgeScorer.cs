using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AgentFlow.MLNet.Rewards.Extraction;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// A judge model that sees a question's G answers side by side and grades each from 0 to 10 relative to the others
/// (and to the reference answers when there are any); the reward is the grade / 10. One judge call per group instead
/// of G, and grades that separate a group's answers even on open-ended questions. The judge is any
/// <see cref="IChatClient"/>. A candidate the reply does not grade scores 0 with the reason; failures of the client
/// itself propagate, as with <see cref="LlmJudgeScorer"/>, because a silent 0 would corrupt a training run's rewards.
/// </summary>
public sealed partial class RelativeJudgeScorer : IGroupAnswerScorer
{
    /// <summary>The instruction given to the judge as its system message.</summary>
    public const string SystemPrompt =
        "You compare several candidate answers to the same question. Grade each candidate from 0 to 10: 10 for a " +
        "correct, complete answer, 0 for a wrong or missing one, and in between for partly right ones, judging the " +
        "candidates against each other and against the reference answers when they are given. Differences in " +
        "wording or formatting do not matter.\n" +
        "Reply with one line per candidate, in order, in exactly this format:\n" +
        "Candidate <number>: <grade>";

    private readonly IChatClient _chatClient;
    private readonly ChatOptions _chatOptions;

    /// <summary>Creates the judge.</summary>
    /// <param name="chatClient">The judge model.</param>
    /// <param name="chatOptions">Options for each judge call; null for temperature 0 and at most 512 output tokens.</param>
    /// <param name="extractor">How each answer is found in its response; null for <see cref="AnswerExtractors.Default"/>.</param>
    public RelativeJudgeScorer(IChatClient chatClient, ChatOptions? chatOptions = null, IAnswerExtractor? extractor = null)
    {
        _chatClient = chatClient ?? throw new ArgumentNullException(nameof(chatClient));
        _chatOptions = chatOptions ?? new ChatOptions { Temperature = 0, MaxOutputTokens = 512 };
        Extractor = extractor ?? AnswerExtractors.Default;
    }

    /// <summary>How each answer is found in its response.</summary>
    public IAnswerExtractor Extractor { get; }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ScoreResult>> ScoreGroupAsync(GroupScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Responses is not { Count: > 0 })
            throw new ArgumentException("The request needs at least one response.", nameof(request) + "." + nameof(request.Responses));
        cancellationToken.ThrowIfCancellationRequested();

        var answers = request.Responses.Select(r => r is null ? null : Extractor.Extract(r)).ToList();
        // No answer anywhere means nothing to compare, and no call.
        if (answers.All(a => a is null))
            return [.. answers.Select(_ => ScoreResult.Incorrect(null, "no answer found in the response"))];

        ChatMessage[] messages = [new(ChatRole.System, SystemPrompt), new(ChatRole.User, BuildPrompt(request, answers))];
        // Cloned per call: a client is free to adjust the options it is handed, and this scorer is shared.
        var response = await _chatClient.GetResponseAsync(messages, _chatOptions.Clone(), cancellationToken).ConfigureAwait(false);
        var grades = ParseGrades(response.Text ?? "", answers.Count);
        return [.. answers.Select((answer, i) =>
            answer is null ? ScoreResult.Incorrect(null, "no answer found in the response")
            : grades[i] is { } grade ? new ScoreResult(grade / 10, answer, $"relative judge grade {grade.ToString(CultureInfo.InvariantCulture)}/10 among {answers.Count}")
            : ScoreResult.Incorrect(answer, $"the judge's reply grades no candidate {i + 1}: '{ScoringText.Quote(response.Text ?? "")}'"))];
    }

    /// <summary>The user message: question, references when given, then the numbered candidates ("(no answer)" for none).</summary>
    internal static string BuildPrompt(GroupScoringRequest request, IReadOnlyList<string?> answers)
    {
        var prompt = new StringBuilder();
        prompt.Append("Question:\n").Append(request.Question.Length > 0 ? request.Question : "(not given)").Append("\n\n");
        if (request.GoldAnswers.Count > 0)
        {
            prompt.Append(request.GoldAnswers.Count == 1 ? "Reference answer:\n" : "Reference answers (any one is right):\n");
            foreach (string gold in request.GoldAnswers)
                prompt.Append("- ").Append(gold).Append('\n');
            prompt.Append('\n');
        }
        // Each candidate's text is quoted line by line, so an answer cannot pose as the list's structure or a grade.
        for (int i = 0; i < answers.Count; i++)
        {
            prompt.Append("Candidate ").Append(i + 1).Append(":\n");
            foreach (string line in (answers[i] ?? "(no answer)").ReplaceLineEndings("\n").Split('\n'))
                prompt.Append("| ").Append(line).Append('\n');
            prompt.Append('\n');
        }
        return prompt.ToString();
    }

    /// <summary>The grade of each candidate (clamped to [0, 10]), or null where the reply has none; the last line for a candidate wins.</summary>
    internal static double?[] ParseGrades(string reply, int count)
    {
        var grades = new double?[count];
        foreach (Match match in GradeLine().Matches(reply))
        {
            if (int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number >= 1 && number <= count
                && double.TryParse(match.Groups[2].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out double grade) && double.IsFinite(grade))
                grades[number - 1] = Math.Clamp(grade, 0, 10);
        }
        return grades;
    }

    // One grade a line, the line holding nothing after it but "/10", decoration or punctuation: a restated answer
    // ("Candidate 1: 17 apples") is no grade, and quoted candidate text ("| Candidate 1: 10") is not at a line's start.
    [GeneratedRegex(@"^[\s>*#\-_`]*candidate\s*#?\s*(\d+)\s*\**\s*[:=\-]\s*\**\s*(\d+(?:\.\d+)?)\s*(?:/\s*10)?[\s*_`.,;!)]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex GradeLine();
}
