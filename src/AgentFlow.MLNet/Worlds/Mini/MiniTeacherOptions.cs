namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// The planning mistakes of the <see cref="MiniTeacher"/>, at stated rates. Two kinds, as real planners make them:
/// the wrong tool for the family (a calculator for a fact, a search for arithmetic) on a question's first step, and
/// skipping the second hop of a multi-hop question (searching again instead of calculating). The rate depends on the
/// phrasing: a misleading phrasing ("How much is the height…", which reads like arithmetic; "What is the number of
/// jars in…", which reads like a fact; "What is 3 times…") draws the mistake most of the time, a plain one rarely.
/// Learned by supervised fine-tuning, these rates give a warm start that is right on plain phrasings and wrong on
/// misleading ones when it plans greedily (the mode of the demonstrations): about half of the questions.
/// </summary>
public sealed record MiniTeacherOptions
{
    /// <summary>Mistake rate on a plain phrasing (and on a multi-hop question's first step). Default 0.1.</summary>
    public double PlainMistakeRate { get; init; } = 0.1;

    /// <summary>Mistake rate on a misleading phrasing. Default 0.6.</summary>
    public double MisleadingMistakeRate { get; init; } = 0.6;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first rate outside [0, 1].</summary>
    public void Validate()
    {
        if (PlainMistakeRate is < 0 or > 1 || double.IsNaN(PlainMistakeRate))
            throw new ArgumentOutOfRangeException(nameof(PlainMistakeRate), PlainMistakeRate, "A rate is between 0 and 1.");
        if (MisleadingMistakeRate is < 0 or > 1 || double.IsNaN(MisleadingMistakeRate))
            throw new ArgumentOutOfRangeException(nameof(MisleadingMistakeRate), MisleadingMistakeRate, "A rate is between 0 and 1.");
    }
}
