namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>The size and seed of a generated <see cref="MiniWorld"/>.</summary>
public sealed record MiniWorldOptions
{
    /// <summary>Seed of every random choice: one seed always gives the same world. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Training questions (the families in turn, each phrasing equally often). Default 240.</summary>
    public int TrainQuestions { get; init; } = 240;

    /// <summary>Validation questions. Default 48.</summary>
    public int ValidationQuestions { get; init; } = 48;

    /// <summary>Test questions. Default 96.</summary>
    public int TestQuestions { get; init; } = 96;

    /// <summary>Encyclopedia entries no question asks about (distractors for the search). Default 60.</summary>
    public int DistractorEntities { get; init; } = 60;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Seed < 0)
            throw new ArgumentOutOfRangeException(nameof(Seed), Seed, "The seed must not be negative.");
        if (TrainQuestions <= 0)
            throw new ArgumentOutOfRangeException(nameof(TrainQuestions), TrainQuestions, "At least one training question is needed.");
        if (ValidationQuestions < 0)
            throw new ArgumentOutOfRangeException(nameof(ValidationQuestions), ValidationQuestions, "Must not be negative.");
        if (TestQuestions <= 0)
            throw new ArgumentOutOfRangeException(nameof(TestQuestions), TestQuestions, "At least one test question is needed.");
        if (DistractorEntities < 0)
            throw new ArgumentOutOfRangeException(nameof(DistractorEntities), DistractorEntities, "Must not be negative.");
        if (TrainQuestions + ValidationQuestions + TestQuestions + DistractorEntities > 20_000)
            throw new ArgumentOutOfRangeException(nameof(TrainQuestions), "A Mini world holds at most 20,000 questions and distractors in all (names would run out).");
    }
}
