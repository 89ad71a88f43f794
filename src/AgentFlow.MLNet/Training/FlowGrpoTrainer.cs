using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.IO;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFlow.MLNet.Training;

/// <summary>
/// Flow-GRPO: trains the planner inside the multi-turn agent loop. Each step takes B questions, rolls out G full
/// trajectories of each on-policy (all B × G at once through the model host), scores each trajectory once,
/// normalises the rewards within each group, broadcasts the advantage to every planner turn, and runs the PPO-clip +
/// KL update through the host (<see cref="ModelAccess.Write"/>: no sequence ever mixes two weight versions).
/// </summary>
public sealed class FlowGrpoTrainer : IDisposable
{
    private static readonly JsonSerializerOptions MetricsJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly ModelHost _host;
    private readonly IAnswerScorer _scorer;
    private readonly FlowGrpoOptions _options;
    private readonly FlowGrpoSetup _setup;
    private readonly ILogger _logger;
    private readonly AgentFlowAgent _rolloutAgent;
    private readonly AgentFlowAgent _evaluationAgent;
    private PolicyUpdater? _updater;

    /// <param name="host">The host of the model to train: LoRA adapters attached (the usual case) or fully trainable.</param>
    /// <param name="tools">The tools the planner chooses from.</param>
    /// <param name="scorer">Scores each trajectory's final answer against the row's gold answers (a row's own scorer wins).</param>
    /// <param name="options">Training options; validated here. Default <see cref="FlowGrpoOptions"/>.</param>
    /// <param name="setup">Frozen modules, prompts, reference model and logging. Default: the hosted model for every module.</param>
    public FlowGrpoTrainer(ModelHost host, ToolRegistry tools, IAnswerScorer scorer, FlowGrpoOptions? options = null, FlowGrpoSetup? setup = null)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        ArgumentNullException.ThrowIfNull(tools);
        _scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));
        _options = options ?? new FlowGrpoOptions();
        _options.Validate();
        _setup = setup ?? new FlowGrpoSetup();
        _logger = _setup.Logger ?? NullLogger.Instance;

        var calls = new SamplingOptions { MaxNewTokens = _options.MaxCompletionTokens };
        var planner = host.AsChatClient(new LocalChatClientOptions { Sampling = calls, UseAdapters = true });
        IChatClient frozen = _setup.FrozenModules ?? host.AsChatClient(new LocalChatClientOptions { Sampling = calls, UseAdapters = false });
        var modules = AgentModules.WithPlanner(planner, frozen);
        var rollout = _setup.Agent with
        {
            MaxTurns = _options.MaxTurns,
            PlannerChatOptions = new ChatOptions { Temperature = (float)_options.Temperature, TopP = (float)_options.TopP, FrequencyPenalty = (float)_options.FrequencyPenalty },
        };
        _rolloutAgent = new AgentFlowAgent(modules, tools, rollout, _setup.Prompts, _logger);
        _evaluationAgent = new AgentFlowAgent(modules, tools, rollout with { PlannerChatOptions = new ChatOptions { Temperature = 0 } }, _setup.Prompts, _logger);
    }

    /// <summary>Steps completed so far, counting those of the run resumed from.</summary>
    public int Step { get; private set; }

    /// <summary>The newest checkpoint written or resumed from, or null.</summary>
    public string? LastCheckpoint { get; private set; }

    /// <summary>The checkpoint with the best validation accuracy so far (kept by <see cref="FlowGrpoOptions.SaveTotalLimit"/>), or null.</summary>
    public string? BestCheckpoint { get; private set; }

    /// <summary>The best validation accuracy so far, or null before any validation.</summary>
    public double? BestValidationAccuracy { get; private set; }

    /// <summary>
    /// Trains for <see cref="FlowGrpoOptions.NumTrainEpochs"/> passes over <paramref name="train"/>, in batches of
    /// <see cref="FlowGrpoOptions.BatchSize"/> questions shuffled per epoch from the seed. Validates on
    /// <paramref name="validation"/> every <see cref="FlowGrpoOptions.EvalSteps"/> steps and at the end (greedy planner,
    /// never trained on), appends every step's metrics to <c>metrics.jsonl</c> in the output folder when one is set, and
    /// writes checkpoints there (<see cref="FlowGrpoOptions.SaveSteps"/>). With
    /// <see cref="FlowGrpoOptions.ResumeFromCheckpoint"/> it first restores that checkpoint and continues where it stopped.
    /// </summary>
    /// <returns>The metrics of the steps this call ran.</returns>
    /// <exception cref="InvalidOperationException">
    /// More than <see cref="FlowGrpoOptions.MaxConsecutiveNonFiniteSteps"/> updates in a row were non-finite, or the
    /// checkpoint to resume from does not fit this run (the message says why).
    /// </exception>
    /// <exception cref="ArgumentException">
    /// The training set is empty, or a training or validation row's question is empty, only white space or holds a lone
    /// UTF-16 surrogate, or its answers are ones its deterministic scorer cannot use (a word for <see cref="NumericScorer"/>);
    /// the message names the row. Checked before anything runs.
    /// </exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is missing, incomplete or damaged.</exception>
    public async Task<IReadOnlyList<FlowGrpoStepMetrics>> TrainAsync(
        IReadOnlyList<TrainingExample> train,
        IReadOnlyList<TrainingExample>? validation = null,
        IProgress<FlowGrpoStepMetrics>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
            throw new ArgumentException("The training set is empty.", nameof(train));
        // Checked before the first step, so a bad row fails the run at once, not after the hours spent on the rows before it.
        RequireQuestions(train, "Training", nameof(train));
        if (validation is not null)
            RequireQuestions(validation, "Validation", nameof(validation));
        int stepsPerEpoch = _options.StepsPerEpoch(train.Count);
        int totalSteps = _options.TotalSteps(train.Count);
        _updater ??= await _host.RunAsync(model => new PolicyUpdater(model, _options, totalSteps, _setup.Reference), ModelAccess.Write, cancellationToken).ConfigureAwait(false);
        string? outputFolder = _options.OutputFolder is { } folder ? Directory.CreateDirectory(folder).FullName : null;
        string? metricsPath = outputFolder is null ? null : Path.Combine(outputFolder, "metrics.jsonl");
        int position = 0;
        if (_options.ResumeFromCheckpoint is { } resume)
        {
            position = await ResumeAsync(resume, train, cancellationToken).ConfigureAwait(false);
            if (outputFolder is not null)
            {
                KeepMetricsUpTo(metricsPath!, Step);
                foreach (string replaced in TrainingCheckpoints.After(outputFolder, Step))
                {
                    _logger.LogWarning("Deleting {Checkpoint}: the resumed run replaces the steps after {Step}.", replaced, Step);
                    Directory.Delete(replaced, recursive: true);
                }
            }
        }
        else if (outputFolder is not null && Step == 0 && (File.Exists(metricsPath) || TrainingCheckpoints.After(outputFolder, -1).Count > 0))
        {
            throw new InvalidOperationException($"'{outputFolder}' already holds a training run (metrics.jsonl or checkpoint-N folders): resume it with ResumeFromCheckpoint, or write to another folder.");
        }
        string fingerprint = TrainingCheckpoints.Fingerprint(train);
        var collector = new RolloutCollector(_rolloutAgent, _scorer, _setup.GroupScorer, _options.NumGenerations, (ulong)_options.Seed);
        var history = new List<FlowGrpoStepMetrics>();

        for (int epoch = position / stepsPerEpoch; epoch < _options.NumTrainEpochs; epoch++)
        {
            int[] order = Shuffled(train.Count, epoch);
            int firstBatch = epoch == position / stepsPerEpoch ? position % stepsPerEpoch : 0;
            for (int start = firstBatch * _options.BatchSize; start < order.Length; start += _options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = order.Skip(start).Take(_options.BatchSize).Select(i => (train[i], i)).ToList();
                var metrics = await StepAsync(collector, batch, epoch, cancellationToken).ConfigureAwait(false);
                bool last = epoch == _options.NumTrainEpochs - 1 && start + _options.BatchSize >= order.Length;
                bool improved = false;
                if (validation is { Count: > 0 } && ((_options.EvalSteps > 0 && Step % _options.EvalSteps == 0) || last))
                {
                    double accuracy = await EvaluateAsync(validation, cancellationToken).ConfigureAwait(false);
                    metrics = metrics with { ValidationAccuracy = accuracy };
                    improved = BestValidationAccuracy is not { } best || accuracy > best;
                }
                // The step's metrics line goes first: a crash before the checkpoint leaves a line the resume drops.
                history.Add(metrics);
                Report(metrics, metricsPath, batch.Count * _options.NumGenerations, progress);
                // Not cancellable: a cancellation that arrives now still keeps the step it finished.
                if (outputFolder is not null && (Step % _options.SaveSteps == 0 || last || improved))
                    await SaveCheckpointAsync(outputFolder, stepsPerEpoch, train.Count, fingerprint, improved ? metrics.ValidationAccuracy : null, CancellationToken.None).ConfigureAwait(false);
                else if (improved)
                    BestValidationAccuracy = metrics.ValidationAccuracy;
            }
        }
        return history;
    }

    /// <summary>Greedy accuracy of the current planner on <paramref name="examples"/> (all solved at once): the share scoring 1.</summary>
    public async Task<double> EvaluateAsync(IReadOnlyList<TrainingExample> examples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0)
            return double.NaN;
        var scores = await Task.WhenAll(examples.Select(async (example, i) =>
        {
            var trajectory = await _evaluationAgent.SolveAsync(example.Question, SamplingSeeds.Derive((ulong)_options.Seed, -1, i), cancellationToken).ConfigureAwait(false);
            var score = await (example.Scorer ?? _scorer).ScoreAsync(new ScoringRequest(trajectory.FinalAnswer, example.Answers) { Question = example.Question, Numbers = example.Numbers }, cancellationToken).ConfigureAwait(false);
            return score.Score;
        })).ConfigureAwait(false);
        return scores.Count(s => s >= 1) / (double)scores.Length;
    }

    /// <inheritdoc />
    public void Dispose() => _updater?.Dispose();

    private void RequireQuestions(IReadOnlyList<TrainingExample> rows, string what, string parameter)
    {
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"{what} row {i} is null.", parameter);
            if (QuestionText.Problem(row.Question) is { } problem)
                throw new ArgumentException($"{what} row {i}: the question {problem}.", parameter);
            // A deterministic scorer checks its gold answers before it scores (a word is no answer for the numeric
            // scorer); asked here, a row it cannot use fails the run at once instead of failing every rollout's scoring.
            if ((row.Scorer ?? _scorer) is AnswerScorer deterministic)
            {
                try
                {
                    deterministic.ValidateRequest(new ScoringRequest("", row.Answers) { Question = row.Question, Numbers = row.Numbers });
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"{what} row {i}: its answers cannot be scored: {e.Message}", parameter, e);
                }
            }
        }
    }

    private async Task<FlowGrpoStepMetrics> StepAsync(RolloutCollector collector, IReadOnlyList<(TrainingExample, int)> batch, int epoch, CancellationToken cancellationToken)
    {
        using var activity = TrainingTelemetry.Activities.StartActivity("flow_grpo.step");
        var clock = Stopwatch.StartNew();
        int step = Step + 1;
        activity?.SetTag("step", step);
        var rollouts = await collector.CollectAsync(batch, step, cancellationToken).ConfigureAwait(false);
        var advantages = GroupAdvantages.Compute(rollouts.Outcomes, rollouts.Samples, _options);
        PolicyUpdateResult? update = null;
        if (advantages.Turns.Count > 0)
            update = await _host.RunAsync(_ => _updater!.Update(advantages.Turns), ModelAccess.Write, cancellationToken).ConfigureAwait(false);
        else
            _updater!.SkipStep();
        Step = step;
        if (_updater!.ConsecutiveNonFiniteSteps > _options.MaxConsecutiveNonFiniteSteps)
            throw new InvalidOperationException($"Training stopped at step {step}: {_updater.ConsecutiveNonFiniteSteps} updates in a row had a non-finite loss or gradient norm (MaxConsecutiveNonFiniteSteps = {_options.MaxConsecutiveNonFiniteSteps}). Lower the learning rate or check the rewards.");

        var scored = rollouts.Outcomes.Where(o => !o.IsInfrastructureFailure && double.IsFinite(o.Reward)).ToList();
        var turns = rollouts.Trajectories.SelectMany(t => t.Turns).ToList();
        var statistics = update?.Statistics ?? PolicyLossStatistics.Empty;
        using var process = Process.GetCurrentProcess();
        return new FlowGrpoStepMetrics(
            Step: step,
            Epoch: epoch,
            RewardMean: advantages.Statistics.RewardMean,
            Accuracy: scored.Count == 0 ? double.NaN : scored.Count(o => o.Reward >= 1) / (double)scored.Count,
            RewardBySource: advantages.Statistics.RewardMeanBySource,
            MeanTurns: rollouts.Trajectories.Average(t => t.Turns.Count),
            ToolCalls: turns.Count(t => t.ToolArguments is not null),
            ToolErrorRate: turns.Count == 0 ? 0 : turns.Count(t => t.Error is not null) / (double)turns.Count,
            InvalidPlannerOutputs: turns.Count(t => t.Step is null && t.Planner.Error is null),
            InfrastructureFailures: advantages.Statistics.InfrastructureFailures,
            ZeroVarianceGroups: advantages.Statistics.ZeroVarianceGroups,
            TrainingTurns: advantages.Turns.Count,
            Kl: statistics.MeanKl,
            ClipFractionLow: statistics.ClipFractionLow,
            ClipFractionHigh: statistics.ClipFractionHigh,
            Entropy: statistics.MeanEntropy,
            GradNorm: update?.GradNorm ?? double.NaN,
            LearningRate: update?.LearningRate ?? _updater.LearningRate,
            Loss: update?.Loss ?? double.NaN,
            LogProbDrift: update?.LogProbDrift ?? double.NaN,
            SkippedUpdates: update?.SkippedSteps ?? 0,
            RolloutTokens: rollouts.Samples.Sum(s => (long)s.CompletionIds.Count),
            RolloutSeconds: rollouts.Elapsed.TotalSeconds,
            UpdateTokensPerSecond: update is { Elapsed.TotalSeconds: > 0 } ? update.Tokens / update.Elapsed.TotalSeconds : double.NaN,
            StepSeconds: clock.Elapsed.TotalSeconds,
            PeakWorkingSetBytes: process.PeakWorkingSet64)
        {
            PlannerPromptsCut = turns.Count(t => t.Planner.Sequence is { PromptTokensCut: > 0 }),
            WorkingSetBytes = process.WorkingSet64,
            ManagedHeapBytes = GC.GetTotalMemory(forceFullCollection: false),
        };
    }

    private void Report(FlowGrpoStepMetrics metrics, string? metricsPath, int trajectories, IProgress<FlowGrpoStepMetrics>? progress)
    {
        TrainingTelemetry.Record(metrics, trajectories);
        _logger.LogInformation("step {Step}: reward {Reward:F3}, accuracy {Accuracy:P1}, KL {Kl:F4}, {TrainingTurns} turns trained, {Seconds:F1} s",
            metrics.Step, metrics.RewardMean, metrics.Accuracy, metrics.Kl, metrics.TrainingTurns, metrics.StepSeconds);
        if (metricsPath is not null)
            File.AppendAllText(metricsPath, JsonSerializer.Serialize(metrics, MetricsJson) + "\n");
        progress?.Report(metrics);
    }

    /// <summary>Writes a checkpoint of the current step (recording <paramref name="newBest"/> as the best validation when given) and rotates old ones.</summary>
    private async Task SaveCheckpointAsync(string outputFolder, int stepsPerEpoch, int rows, string fingerprint, double? newBest, CancellationToken cancellationToken)
    {
        string name = TrainingCheckpoints.FolderName(Step);
        var state = new TrainerState
        {
            GlobalStep = Step,
            StepsPerEpoch = stepsPerEpoch,
            TrainRows = rows,
            TrainFingerprint = fingerprint,
            BestMetric = newBest ?? BestValidationAccuracy,
            BestModelCheckpoint = newBest is null ? (BestCheckpoint is null ? null : Path.GetFileName(BestCheckpoint)) : name,
            Options = TrainingCheckpoints.OptionsJson(_options),
        };
        // A read: the weights and optimizer state are only copied out, and no update can run between steps.
        string written = await _host.RunAsync(model => TrainingCheckpoints.Save(outputFolder, model, _updater!, state), ModelAccess.Read, cancellationToken).ConfigureAwait(false);
        LastCheckpoint = written;
        if (newBest is not null)
        {
            BestValidationAccuracy = newBest;
            BestCheckpoint = written;
        }
        if (_options.SaveTotalLimit is { } limit)
            TrainingCheckpoints.Rotate(outputFolder, limit, keep: [name, state.BestModelCheckpoint]);
        _logger.LogInformation("step {Step}: checkpoint {Checkpoint}", Step, written);
    }

    /// <summary>Restores the planner, the optimizer and the trainer's counters from a checkpoint; returns the data position (steps done).</summary>
    private async Task<int> ResumeAsync(string path, IReadOnlyList<TrainingExample> train, CancellationToken cancellationToken)
    {
        var (folder, state) = ReadNewestIntact(TrainingCheckpoints.Candidates(path));
        await _host.RunAsync(model =>
        {
            TrainingCheckpoints.CheckCompatible(state, folder, _options, train, model.Lora is not null);
            TrainingCheckpoints.LoadModel(folder, model);
            _updater!.LoadState(folder);
            return 0;
        }, ModelAccess.Write, cancellationToken).ConfigureAwait(false);
        if (_updater!.Step != state.GlobalStep)
            throw new InvalidDataException($"Checkpoint '{folder}' is inconsistent: its optimizer state is at step {_updater.Step} but {TrainerState.FileName} says {state.GlobalStep}.");
        Step = state.GlobalStep;
        LastCheckpoint = folder;
        BestValidationAccuracy = state.BestMetric;
        BestCheckpoint = state.BestModelCheckpoint is { } best ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(folder))!, best) : null;
        _logger.LogInformation("resumed from {Checkpoint} at step {Step}", folder, Step);
        return state.GlobalStep;
    }

    /// <summary>
    /// The first checkpoint of <paramref name="candidates"/> whose files match their checksums; a damaged one is skipped
    /// with a warning when an older one remains, so a crash or a bad disk costs the steps since that one, not the run.
    /// </summary>
    private (string Folder, TrainerState State) ReadNewestIntact(IReadOnlyList<string> candidates)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                return (candidates[i], TrainingCheckpoints.Read(candidates[i]));
            }
            catch (InvalidDataException e) when (i + 1 < candidates.Count)
            {
                _logger.LogWarning("{Error} Trying the checkpoint before it, {Previous}.", e.Message, candidates[i + 1]);
            }
        }
    }

    /// <summary>The step a metrics line records, or null for a line a crash cut short.</summary>
    private static int? StepOf(string line)
    {
        try
        {
            return line.Length > 0 && JsonNode.Parse(line)?["step"] is JsonValue value && value.TryGetValue(out int step) ? step : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Drops the lines of steps after <paramref name="step"/> from <c>metrics.jsonl</c>: they belong to the timeline the resume replaces.</summary>
    private static void KeepMetricsUpTo(string metricsPath, int step)
    {
        if (!File.Exists(metricsPath))
            return;
        var kept = File.ReadLines(metricsPath)
            .Where(line => StepOf(line) is { } s && s <= step)
            .ToList();
        AtomicFile.WriteAllBytes(metricsPath, Encoding.UTF8.GetBytes(string.Concat(kept.Select(line => line + "\n"))));
    }

    /// <summary>The epoch's order of the training rows: a seeded Fisher–Yates shuffle, the same for the same seed and epoch.</summary>
    private int[] Shuffled(int count, int epoch)
    {
        var random = new Random(unchecked((int)SamplingSeeds.Derive((ulong)_options.Seed, epoch)));
        int[] order = [.. Enumerable.Range(0, count)];
        random.Shuffle(order);
        return order;
    }
}
