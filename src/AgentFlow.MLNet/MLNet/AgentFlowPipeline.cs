using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// The running agent behind a transformer: the model host (the one owner of the model), the tools, the scorer and
/// the agent built over them. Thread-safe: every solve goes through the host's queue, where concurrent rows share
/// decode steps.
/// </summary>
internal sealed class AgentFlowPipeline : IDisposable
{
    private readonly AgentFlowAgent _agent;
    private readonly bool _ownsHost;
    private int _disposed;
    private long _skipped;

    internal AgentFlowPipeline(ModelHost host, bool ownsHost, AgentFlowTransformOptions options)
    {
        options.Validate();
        Host = host;
        _ownsHost = ownsHost;
        Options = options;
        Tools = options.Tools ?? DefaultTools();
        Scorer = options.Scorer ?? new ExactMatchScorer();
        var sampling = new SamplingOptions { MaxNewTokens = options.MaxNewTokens };
        var planner = host.AsChatClient(new LocalChatClientOptions { Sampling = sampling, UseAdapters = true });
        var frozen = options.FrozenModules ?? host.AsChatClient(new LocalChatClientOptions { Sampling = sampling, UseAdapters = false });
        _agent = new AgentFlowAgent(AgentModules.WithPlanner(planner, frozen), Tools, options.Agent, options.Prompts);
    }

    internal ModelHost Host { get; }

    internal LocalModel Model => Host.Model;

    internal AgentFlowTransformOptions Options { get; }

    internal ToolRegistry Tools { get; }

    internal IAnswerScorer Scorer { get; }

    /// <summary>Rows kept with an empty answer because their question was empty (<see cref="InvalidQuestionHandling.Skip"/>).</summary>
    internal long SkippedQuestions => Interlocked.Read(ref _skipped);

    internal void CountSkipped() => Interlocked.Increment(ref _skipped);

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The tools a pipeline gets when none are given: the calculator, which needs nothing outside the process.</summary>
    internal static ToolRegistry DefaultTools() => new([new CalculatorTool()]);

    /// <summary>Solves one row; its seed comes from the options' seed and the row's position only.</summary>
    internal Task<Trajectory> SolveAsync(string question, long position, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _agent.SolveAsync(question, SamplingSeeds.Derive(Options.Seed, position), cancellationToken);
    }

    /// <summary>The reward of <paramref name="answer"/> against <paramref name="gold"/>.</summary>
    internal async Task<float> ScoreAsync(string question, string answer, string gold, CancellationToken cancellationToken)
    {
        if (gold.Length == 0)
            return float.NaN;
        var result = await Scorer.ScoreAsync(new ScoringRequest(answer, [gold]) { Question = question }, cancellationToken).ConfigureAwait(false);
        return (float)result.Score;
    }

    internal void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            throw new ObjectDisposedException(nameof(AgentFlowTransformer),
                "This AgentFlow transformer was disposed, which freed its model. A PredictionEngine disposes the transformer it was made from " +
                "when it is disposed, unless it was created with PredictionEngineOptions.OwnsTransformer = false.");
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        // The host was made with ownsModel: true, so this frees the weights too.
        if (_ownsHost)
            Host.Dispose();
    }
}
