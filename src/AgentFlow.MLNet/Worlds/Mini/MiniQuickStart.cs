using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Search;
using AgentFlow.MLNet.Training;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// The quick start's pipeline, in the steps a reader watches: <see cref="PrepareAsync"/> builds the world and the
/// warm-started tiny model (one copy of the weights: the planner is the base plus LoRA, the reference the base with
/// adapters off), <see cref="EvaluateAsync"/> plans each test question greedily, and <see cref="FitAsync"/> trains
/// the planner with Flow-GRPO. The executor, verifier and generator are the world's scripted
/// <see cref="MiniFrozenModules"/>, so accuracy moves only with the planner.
/// </summary>
public sealed class MiniQuickStart : IDisposable
{
    private readonly LuceneSearchIndex _index;
    private readonly LocalModel _model;

    private MiniQuickStart(MiniQuickStartOptions options, MiniWorld world, ToolRegistry tools, LuceneSearchIndex index, LocalModel model, ModelHost host, int demonstrations, IReadOnlyList<double> warmStartLosses, TimeSpan warmStartTime)
    {
        Options = options;
        World = world;
        Tools = tools;
        _index = index;
        _model = model;
        Host = host;
        FrozenModules = new MiniFrozenModules(world);
        Demonstrations = demonstrations;
        WarmStartLosses = warmStartLosses;
        WarmStartTime = warmStartTime;
    }

    /// <summary>The options it was prepared with.</summary>
    public MiniQuickStartOptions Options { get; }

    /// <summary>The generated world.</summary>
    public MiniWorld World { get; }

    /// <summary>search and calculator over the world's encyclopedia.</summary>
    public ToolRegistry Tools { get; }

    /// <summary>The host of the tiny model (the only owner of its mutable state).</summary>
    public ModelHost Host { get; }

    /// <summary>The scripted executor, verifier and generator.</summary>
    public IChatClient FrozenModules { get; }

    /// <summary>How many planner turns the warm start imitated.</summary>
    public int Demonstrations { get; }

    /// <summary>The warm start's loss per step.</summary>
    public IReadOnlyList<double> WarmStartLosses { get; }

    /// <summary>How long the warm start's fine-tuning took.</summary>
    public TimeSpan WarmStartTime { get; }

    /// <summary>
    /// Generates the world, collects the teacher's demonstrations on the training split, creates the tiny model,
    /// fine-tunes it on them and attaches the planner's LoRA adapters.
    /// </summary>
    public static async Task<MiniQuickStart> PrepareAsync(MiniQuickStartOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MiniQuickStartOptions();
        var world = MiniWorld.Generate(options.World);
        var (tools, index) = world.CreateTools();
        LocalModel? model = null;
        ModelHost? host = null;
        try
        {
            var demonstrations = await MiniDemonstrations.CollectAsync(world, world.Train, tools, options.Teacher, options.DemonstrationRuns, options.World.Seed, cancellationToken).ConfigureAwait(false);
            model = TinyModel.Create(options.Model);
            host = new ModelHost(model);
            var (losses, elapsed) = await MiniWarmStart.TrainAsync(host, demonstrations, options.WarmStart, cancellationToken).ConfigureAwait(false);
            await host.RunAsync(m =>
            {
                m.AttachLora(options.Lora);
                return 0;
            }, ModelAccess.Write, cancellationToken).ConfigureAwait(false);
            return new MiniQuickStart(options, world, tools, index, model, host, demonstrations.Count, losses, elapsed);
        }
        catch
        {
            host?.Dispose();
            model?.Dispose();
            index.Dispose();
            throw;
        }
    }

    /// <summary>Solves every question of <paramref name="split"/> with the current planner, greedily, and scores it.</summary>
    public async Task<MiniEvaluation> EvaluateAsync(IReadOnlyList<MiniQuestion> split, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        var planner = Host.AsChatClient(new LocalChatClientOptions { Sampling = new() { MaxNewTokens = Options.Training.MaxCompletionTokens }, UseAdapters = true });
        var agent = new AgentFlowAgent(AgentModules.WithPlanner(planner, FrozenModules), Tools, MiniAgent.Options, MiniPrompts.Prompts);
        var trajectories = await Task.WhenAll(split.Select((q, i) => agent.SolveAsync(q.Question, (ulong)i, cancellationToken))).ConfigureAwait(false);
        var correct = new bool[split.Count];
        for (int i = 0; i < split.Count; i++)
        {
            var score = await MiniScorers.For(split[i].Family).ScoreAsync(new ScoringRequest(trajectories[i].FinalAnswer, [split[i].Answer]) { Question = split[i].Question }, cancellationToken).ConfigureAwait(false);
            correct[i] = score.Score >= 1;
        }
        return new MiniEvaluation(split, trajectories, correct);
    }

    /// <summary>
    /// Trains the planner with Flow-GRPO on the training split, validating on the validation split. This is the seam
    /// where the ML.NET estimator takes over: it runs the same trainer with the same setup.
    /// </summary>
    public async Task<IReadOnlyList<FlowGrpoStepMetrics>> FitAsync(FlowGrpoOptions? training = null, IProgress<FlowGrpoStepMetrics>? progress = null, CancellationToken cancellationToken = default)
    {
        using var trainer = new FlowGrpoTrainer(Host, Tools, new ExactMatchScorer(), training ?? Options.Training, Setup);
        return await trainer.TrainAsync(MiniWorld.Examples(World.Train), MiniWorld.Examples(World.Validation), progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the trainer runs the agent with: the scripted frozen modules, the compact prompts, the Mini loop.</summary>
    public FlowGrpoSetup Setup => new() { FrozenModules = FrozenModules, Prompts = MiniPrompts.Prompts, Agent = MiniAgent.Options };

    /// <summary>
    /// Saves the trained planner to <paramref name="folder"/>: its adapters alone (<c>planner-lora</c>, loadable onto
    /// the warm start) and the adapters merged into the weights (<c>planner</c>, a complete model folder). Merging
    /// changes the hosted model, so this is the run's last step.
    /// </summary>
    public Task SaveAsync(string folder, CancellationToken cancellationToken = default) =>
        Host.RunAsync(m =>
        {
            LoraCheckpoint.Save(m, Path.Combine(folder, "planner-lora"));
            m.MergeAdapters();
            CausalLMCheckpoint.Save(_model, Path.Combine(folder, "planner"));
            return 0;
        }, ModelAccess.Write, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        Host.Dispose();
        _model.Dispose();
        _index.Dispose();
    }
}
