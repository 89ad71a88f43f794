using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// One question of the Mini world with everything a scripted module needs to act on it correctly.
/// </summary>
/// <param name="Question">The question text (unique across all splits).</param>
/// <param name="Answer">The exact gold answer (an integer, written without separators).</param>
/// <param name="Family">One of <see cref="MiniFamilies"/>.</param>
/// <param name="Phrasing">Which of the family's two phrasings was used: 0 plain, 1 misleading (see <see cref="MiniTeacherOptions"/>).</param>
public sealed record MiniQuestion(string Question, string Answer, string Family, int Phrasing)
{
    /// <summary>The entity a search must find; null for math.</summary>
    public MiniEntity? Entity { get; init; }

    /// <summary>The calculation: "a*b" for math, "{0}*k" or "{0}+n" for multi-hop (with {0} the fact found).</summary>
    public string Calculation { get; init; } = "";

    /// <summary>Whether the phrasing resembles another family's (the teacher's mistakes concentrate there).</summary>
    public bool IsMisleading => Phrasing == 1;

    /// <summary>The row as the trainer takes it: gold answer, family as <c>Source</c>, the family's scorer.</summary>
    public TrainingExample ToExample() => new(Question, [Answer]) { Source = Family, Scorer = MiniScorers.For(Family) };
}
