using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Search;
using AgentFlow.MLNet.Training;
using Microsoft.Extensions.AI;
using Microsoft.ML;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// The quick start's pipeline, in the steps a reader watches, on the public ML.NET surface: <see cref="PrepareAsync"/>
/// builds the world and fine-tunes the tiny model on the teacher's plans into a checkpoint folder (the warm start),
/// <see cref="WarmStart"/> applies that checkpoint untrained (<c>Transforms.AgentFlow</c>), <see cref="FlowGrpo"/> is
/// the estimator that trains its planner (<c>Trainers.FlowGrpo</c>: LoRA on the one copy of the weights, the
/// reference policy the same weights with adapters off), and <see cref="Evaluate"/> scores a transformer on a split.
/// The executor, verifier and generator are the world's scripted <see cref="MiniFrozenModules"/>, so accuracy moves
/// only with the planner.
/// </summary>
public sealed class MiniQuickStart : IDisposable
{
    /// <summary>The folder, under the work folder, that holds the warm-started model.</summary>
    public const string WarmStartFolderName = "warm-start";

    private readonly LuceneSearchIndex _index;

    private MiniQuickStart(MiniQuickStartOptions options, MLContext mlContext, MiniWorld world, ToolRegistry tools, LuceneSearchIndex index, string warmStartFolder, int demonstrations, IReadOnlyList<double> warmStartLosses, TimeSpan warmStartTime)
    {
        Options = options;
        MLContext = mlContext;
        World = world;
        Tools = tools;
        _index = index;
        WarmStartFolder = warmStartFolder;
        FrozenModules = new MiniFrozenModules(world);
        Scorer = new MiniWorldScorer(world);
        Demonstrations = demonstrations;
        WarmStartLosses = warmStartLosses;
        WarmStartTime = warmStartTime;
    }

    /// <summary>The options it was prepared with.</summary>
    public MiniQuickStartOptions Options { get; }

    /// <summary>The ML.NET context every stage is made in (seeded with the world's seed).</summary>
    public MLContext MLContext { get; }

    /// <summary>The generated world.</summary>
    public MiniWorld World { get; }

    /// <summary>search and calculator over the world's encyclopedia.</summary>
    public ToolRegistry Tools { get; }

    /// <summary>The warm-started model: a Hugging Face model folder (config, safetensors, tokenizer).</summary>
    public string WarmStartFolder { get; }

    /// <summary>The scripted executor, verifier and generator.</summary>
    public IChatClient FrozenModules { get; }

    /// <summary>Each question's family scorer: facts matched exactly, calculations as numbers.</summary>
    public IAnswerScorer Scorer { get; }

    /// <summary>How many planner turns the warm start imitated.</summary>
    public int Demonstrations { get; }

    /// <summary>The warm start's loss per step.</summary>
    public IReadOnlyList<double> WarmStartLosses { get; }

    /// <summary>How long the warm start's fine-tuning took.</summary>
    public TimeSpan WarmStartTime { get; }

    /// <summary>
    /// What <c>LoadAgentFlow</c> needs besides the file to run a saved Mini model: the tools, the scorer, the frozen
    /// modules. All three serve this world's questions only (the scorer and the scripted modules look each question
    /// up), so apply such a model to this world's splits.
    /// </summary>
    public AgentFlowLoadOptions LoadOptions => new() { Tools = Tools, Scorer = Scorer, FrozenModules = FrozenModules };

    /// <summary>
    /// Generates the world, collects the teacher's demonstrations on the training split, creates the tiny model,
    /// fine-tunes it on them and saves it to <c>warm-start</c> under <paramref name="workFolder"/>.
    /// </summary>
    /// <param name="options">The run's options; the defaults are the README's run.</param>
    /// <param name="workFolder">Where the warm-started model is written (created if needed; an earlier warm start there is replaced).</param>
    /// <param name="cancellationToken">Stops the demonstrations or the fine-tuning between steps.</param>
    public static async Task<MiniQuickStart> PrepareAsync(MiniQuickStartOptions? options, string workFolder, CancellationToken cancellationToken = default)
    {
        options ??= new MiniQuickStartOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(workFolder);
        var world = MiniWorld.Generate(options.World);
        var (tools, index) = world.CreateTools();
        try
        {
            var demonstrations = await MiniDemonstrations.CollectAsync(world, world.Train, tools, options.Teacher, options.DemonstrationRuns, options.World.Seed, cancellationToken).ConfigureAwait(false);
            string folder = Path.Combine(Path.GetFullPath(workFolder), WarmStartFolderName);
            IReadOnlyList<double> losses;
            TimeSpan elapsed;
            using (var model = TinyModel.Create(options.Model))
            using (var host = new ModelHost(model))
            {
                (losses, elapsed) = await MiniWarmStart.TrainAsync(host, demonstrations, options.WarmStart, cancellationToken).ConfigureAwait(false);
                await host.RunAsync(m =>
                {
                    CausalLMCheckpoint.Save(model, folder);
                    return 0;
                }, ModelAccess.Read, cancellationToken).ConfigureAwait(false);
            }
            return new MiniQuickStart(options, new MLContext(options.World.Seed), world, tools, index, folder, demonstrations.Count, losses, elapsed);
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>A split as ML.NET rows: <c>Question</c>, <c>Answer</c> and the family as <c>Source</c>.</summary>
    public IDataView Data(IReadOnlyList<MiniQuestion> split)
    {
        ArgumentNullException.ThrowIfNull(split);
        return MLContext.AgentFlow().Data.LoadFromEnumerable(split.Select(q => new AgentFlowQuestion { Question = q.Question, Answer = q.Answer, Source = q.Family }));
    }

    /// <summary>
    /// The warm start as it is, untrained (<c>Transforms.AgentFlow</c>; its Fit loads the model and reads only the
    /// data's schema). Dispose it to free its model.
    /// </summary>
    public AgentFlowTransformer WarmStart() =>
        MLContext.AgentFlow().Transforms.AgentFlow(AgentFlowModelSource.FromFolder(WarmStartFolder), TransformOptions(Options.Training)).Fit(Data(World.Train));

    /// <summary>
    /// The Flow-GRPO estimator (<c>Trainers.FlowGrpo</c>) that trains the warm start's planner on the training split,
    /// validating on the validation split; <paramref name="training"/>'s seed seeds the sampling and the adapters, its
    /// output folder receives metrics.jsonl and checkpoints. Fit it on <c>Data(World.Train)</c>.
    /// </summary>
    public AgentFlowEstimator FlowGrpo(FlowGrpoOptions? training = null, IProgress<FlowGrpoStepMetrics>? progress = null, CancellationToken cancellationToken = default)
    {
        training ??= Options.Training;
        return MLContext.AgentFlow().Trainers.FlowGrpo(new FlowGrpoEstimatorOptions
        {
            Model = AgentFlowModelSource.FromFolder(WarmStartFolder),
            SourceColumnName = AgentFlowColumns.Source,
            Lora = Options.Lora,
            Trainer = training,
            Seed = training.Seed,
            CheckpointFolder = training.OutputFolder,
            Tools = Tools,
            Scorer = Scorer,
            FrozenModules = FrozenModules,
            Prompts = MiniPrompts.Prompts,
            TrainingAgent = MiniAgent.Options,
            ValidationData = World.Validation.Count > 0 ? Data(World.Validation) : null,
            Progress = progress,
            CancellationToken = cancellationToken,
            Transform = TransformOptions(training),
        });
    }

    /// <summary>Solves every question of <paramref name="split"/> with <paramref name="model"/> (greedily) and scores it.</summary>
    public MiniEvaluation Evaluate(ITransformer model, IReadOnlyList<MiniQuestion> split)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        var rows = MLContext.Data.CreateEnumerable<AgentFlowScoredPrediction>(model.Transform(Data(split)), reuseRowObject: false).ToList();
        return new MiniEvaluation(split, [.. rows.Select(r => Trajectory.FromJson(r.Trajectory))], [.. rows.Select(r => r.Reward >= 1)]);
    }

    /// <summary>
    /// How the world's transformers run: the Mini loop and prompts, the world's tools, scorer and frozen modules, and
    /// as many tokens a call as <paramref name="training"/>'s rollouts had.
    /// </summary>
    private AgentFlowTransformOptions TransformOptions(FlowGrpoOptions training) => new()
    {
        LabelColumnName = AgentFlowColumns.Answer,
        MaxNewTokens = training.MaxCompletionTokens,
        Agent = MiniAgent.Options,
        Prompts = MiniPrompts.Prompts,
        Tools = Tools,
        Scorer = Scorer,
        FrozenModules = FrozenModules,
    };

    /// <inheritdoc />
    public void Dispose()
    {
        FrozenModules.Dispose();
        _index.Dispose();
    }
}
