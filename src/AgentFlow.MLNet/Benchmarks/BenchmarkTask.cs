namespace AgentFlow.MLNet.Benchmarks;

/// <summary>The kind of a benchmark, which fixes how its rows are read and how answers are scored.</summary>
public enum BenchmarkTask
{
    /// <summary>Open questions with text answers (a string or a list of aliases), scored by normalised exact match.</summary>
    QuestionAnswering,

    /// <summary>Math problems with numeric answers, scored by numeric match.</summary>
    Math,

    /// <summary>Game of 24: the row's <c>question</c> is the list of numbers, its <c>query</c> the prompt; scored by the expression checker.</summary>
    GameOf24,
}
