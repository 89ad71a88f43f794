using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Tools.Search;
using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// AgentFlow Mini: a task world small enough for a CPU to learn in minutes. A seed generates a fictional encyclopedia
/// (rivers, cities, mountains, people and inventions, one numeric attribute each) and three families of questions
/// with exact integer answers: <see cref="MiniFamilies.Search"/> (one fact), <see cref="MiniFamilies.Math"/> (a
/// product of two numbers large enough that guessing fails) and <see cref="MiniFamilies.MultiHop"/> (a fact, then
/// arithmetic on it). The train, validation and test splits share no entity, no pair of numbers and no question, so
/// nothing seen in training answers a test question: the agent must search and calculate.
/// </summary>
public sealed class MiniWorld
{
    private readonly Dictionary<string, MiniQuestion> _byText;

    private MiniWorld(MiniWorldOptions options, List<MiniEntity> entities, List<MiniQuestion> train, List<MiniQuestion> validation, List<MiniQuestion> test)
    {
        Options = options;
        Entities = entities;
        Train = train;
        Validation = validation;
        Test = test;
        _byText = train.Concat(validation).Concat(test).ToDictionary(q => q.Question, StringComparer.Ordinal);
    }

    /// <summary>The options the world was generated with.</summary>
    public MiniWorldOptions Options { get; }

    /// <summary>Every entity of the encyclopedia, in generation order (question entities and distractors).</summary>
    public IReadOnlyList<MiniEntity> Entities { get; }

    /// <summary>The training split.</summary>
    public IReadOnlyList<MiniQuestion> Train { get; }

    /// <summary>The validation split (for model selection during training, never trained on).</summary>
    public IReadOnlyList<MiniQuestion> Validation { get; }

    /// <summary>The test split: seen only when reporting accuracy.</summary>
    public IReadOnlyList<MiniQuestion> Test { get; }

    /// <summary>Generates a world; the same options give the same world.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static MiniWorld Generate(MiniWorldOptions? options = null)
    {
        options ??= new MiniWorldOptions();
        options.Validate();
        var generator = new MiniWorldGenerator(options.Seed);
        var train = generator.Split(options.TrainQuestions);
        var validation = generator.Split(options.ValidationQuestions);
        var test = generator.Split(options.TestQuestions);
        for (int i = 0; i < options.DistractorEntities; i++)
            generator.Distractor();
        return new MiniWorld(options, generator.Entities, train, validation, test);
    }

    /// <summary>The encyclopedia as search documents, one per entity.</summary>
    public IEnumerable<SearchDocument> Documents => Entities.Select(e => e.ToDocument());

    /// <summary>Rows of a split as the trainer takes them.</summary>
    public static IReadOnlyList<TrainingExample> Examples(IReadOnlyList<MiniQuestion> split) => [.. split.Select(q => q.ToExample())];

    /// <summary>Finds the world's record of a question by its exact text.</summary>
    public bool TryFind(string question, out MiniQuestion record) => _byText.TryGetValue(question, out record!);

    /// <summary>
    /// The world's tools: <c>search</c> over an in-memory Lucene index of the encyclopedia (one hit per call, so the
    /// result is the entry found) and <c>calculator</c>, with a day as their timeout (both run in memory and end by
    /// themselves; a shorter one would only fail calls when the machine pauses). Dispose the returned index when done.
    /// </summary>
    public (ToolRegistry Tools, LuceneSearchIndex Index) CreateTools()
    {
        var index = LuceneSearchIndex.Build(Documents);
        var options = new ToolRegistryOptions { DefaultTimeout = TimeSpan.FromDays(1) };
        return (new ToolRegistry([SearchTool.Local(index, defaultCount: 1), new CalculatorTool()], options), index);
    }
}
