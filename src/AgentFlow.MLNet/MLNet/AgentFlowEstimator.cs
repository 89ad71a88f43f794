using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Training;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// Trains AgentFlow's planner with Flow-GRPO: <see cref="Fit"/> streams the questions and answers out of the
/// <see cref="IDataView"/>, loads the model, attaches the planner's LoRA adapters, runs grouped on-policy rollouts
/// and planner updates through one model host, and returns the trained <see cref="AgentFlowTransformer"/>.
/// Made by <c>mlContext.AgentFlow().Trainers.FlowGrpo(...)</c>.
/// </summary>
public sealed class AgentFlowEstimator : IEstimator<AgentFlowTransformer>
{
    private readonly MLContext _mlContext;
    private readonly FlowGrpoEstimatorOptions _options;

    internal AgentFlowEstimator(MLContext mlContext, FlowGrpoEstimatorOptions options)
    {
        _mlContext = mlContext ?? throw new ArgumentNullException(nameof(mlContext));
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>The options this estimator trains with.</summary>
    public FlowGrpoEstimatorOptions Options => _options;

    /// <summary>
    /// Checks that the question, answer and (when set) source columns are single text values and returns the input
    /// plus the columns the trained transformer adds.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing, a vector or not text; the message names it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        AgentFlowSchema.RequireText(inputSchema, _options.QuestionColumnName, "question column (QuestionColumnName)");
        AgentFlowSchema.RequireText(inputSchema, _options.AnswerColumnName, "answer column (AnswerColumnName)");
        if (_options.SourceColumnName is { } source)
            AgentFlowSchema.RequireText(inputSchema, source, "source column (SourceColumnName)");
        return AgentFlowShapes.Output(_mlContext, inputSchema, scored: true);
    }

    /// <summary>Trains on <paramref name="input"/> and returns the trained transformer, which owns the model.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or mistyped; the message names it.</exception>
    /// <exception cref="ArgumentException">
    /// The data has no usable rows, or a row's question is empty, only white space or holds a lone UTF-16 surrogate (see
    /// <see cref="FlowGrpoEstimatorOptions.InvalidQuestions"/>); the message names the row and the column.
    /// </exception>
    /// <exception cref="OperationCanceledException"><see cref="FlowGrpoEstimatorOptions.CancellationToken"/> was cancelled.</exception>
    public AgentFlowTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancellationToken = _options.CancellationToken;
        var train = ReadExamples(input, "training data", out long skipped);
        if (train.Count == 0)
            throw new ArgumentException(skipped > 0 ? $"The training data has no row with a usable question ({skipped} skipped as empty, white space or not Unicode text)." : "The training data is empty.", nameof(input));
        var validation = _options.ValidationData is { } data ? ReadExamples(data, "validation data", out _) : null;

        int seed = _options.Seed ?? ((IHostEnvironment)_mlContext).Register(nameof(AgentFlowEstimator)).Rand.Next();
        var trainer = _options.Trainer with { Seed = seed, OutputFolder = _options.CheckpointFolder ?? _options.Trainer.OutputFolder };
        var local = _options.Model!.Load(_options.Device);
        ModelHost? host = null;
        CausalLM? reference = null;
        try
        {
            if (_options.Lora is { } lora)
                local.Model.AttachLora(lora with { Seed = (ulong)seed });
            else
                reference = _options.Model.Load(_options.Device).Model;
            host = new ModelHost(local, ownsModel: true);
            var transform = TransformOptions();
            var setup = new FlowGrpoSetup { FrozenModules = _options.FrozenModules, Prompts = _options.Prompts, Agent = _options.TrainingAgent, Reference = reference, Logger = _options.Logger };
            IReadOnlyList<FlowGrpoStepMetrics> history;
            using (var flowGrpo = new FlowGrpoTrainer(host, transform.Tools!, transform.Scorer!, trainer, setup))
                history = flowGrpo.TrainAsync(train, validation, _options.Progress, cancellationToken).GetAwaiter().GetResult();
            return new AgentFlowTransformer(new AgentFlowPipeline(host, ownsHost: true, transform), history, skipped);
        }
        catch
        {
            if (host is not null)
                host.Dispose();
            else
                local.Dispose();
            throw;
        }
        finally
        {
            reference?.Dispose();
        }
    }

    /// <summary>The trained transformer's options: the estimator's columns, tools, scorer and prompts where the transform options leave them unset.</summary>
    private AgentFlowTransformOptions TransformOptions()
    {
        var transform = _options.Transform;
        bool defaultQuestion = transform.QuestionColumnName == AgentFlowColumns.Question;
        return transform with
        {
            QuestionColumnName = defaultQuestion ? _options.QuestionColumnName : transform.QuestionColumnName,
            LabelColumnName = transform.LabelColumnName ?? _options.AnswerColumnName,
            Tools = transform.Tools ?? _options.Tools ?? AgentFlowPipeline.DefaultTools(),
            Scorer = transform.Scorer ?? _options.Scorer ?? new ExactMatchScorer(),
            FrozenModules = transform.FrozenModules ?? _options.FrozenModules,
            Prompts = transform.Prompts ?? _options.Prompts,
            CancellationToken = transform.CancellationToken.CanBeCanceled ? transform.CancellationToken : _options.CancellationToken,
        };
    }

    /// <summary>Streams the question, answer and source columns out of <paramref name="data"/> with one cursor.</summary>
    private List<TrainingExample> ReadExamples(IDataView data, string what, out long skipped)
    {
        var schema = data.Schema;
        var question = AgentFlowSchema.RequireText(schema, _options.QuestionColumnName, "question column (QuestionColumnName)");
        var answer = AgentFlowSchema.RequireText(schema, _options.AnswerColumnName, "answer column (AnswerColumnName)");
        DataViewSchema.Column? source = _options.SourceColumnName is { } name ? AgentFlowSchema.RequireText(schema, name, "source column (SourceColumnName)") : null;
        var columns = new List<DataViewSchema.Column> { question, answer };
        if (source is { } sourceColumn)
            columns.Add(sourceColumn);

        var examples = new List<TrainingExample>();
        skipped = 0;
        using var cursor = data.GetRowCursor(columns);
        var questionGetter = cursor.GetGetter<ReadOnlyMemory<char>>(question);
        var answerGetter = cursor.GetGetter<ReadOnlyMemory<char>>(answer);
        var sourceGetter = source is { } s ? cursor.GetGetter<ReadOnlyMemory<char>>(s) : null;
        while (cursor.MoveNext())
        {
            _options.CancellationToken.ThrowIfCancellationRequested();
            string text = AgentFlowBinding.ReadText(questionGetter)!;
            if (QuestionText.Problem(text) is { } problem)
            {
                if (_options.InvalidQuestions == InvalidQuestionHandling.Throw)
                    throw new ArgumentException($"Row {cursor.Position} of the {what}: the question in column '{question.Name}' {problem}. Set InvalidQuestions = InvalidQuestionHandling.Skip to leave such rows out.", nameof(data));
                skipped++;
                continue;
            }
            examples.Add(new TrainingExample(text, [AgentFlowBinding.ReadText(answerGetter)!]) { Source = AgentFlowBinding.ReadText(sourceGetter) });
        }
        return examples;
    }
}
