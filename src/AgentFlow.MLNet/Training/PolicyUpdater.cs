using System.Diagnostics;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Models.Scoring;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Training;

/// <summary>
/// The Flow-GRPO update of one training step: given the step's planner turns with their advantages, it scores the
/// reference policy (LoRA: the same model with adapters off; full fine-tuning: a frozen copy), takes the old log-probs
/// (sampled, or recomputed, see <see cref="OldLogProbSource"/>), then runs <see cref="FlowGrpoOptions.PpoEpochs"/> ×
/// mini-batches of AdamW steps, each accumulating micro-batches packed by token budget, with the scheduled learning
/// rate, gradient clipping and the non-finite guard. It runs on the caller's thread and owns no model: the caller (the
/// model's single owner) must not use the model concurrently.
/// </summary>
public sealed class PolicyUpdater : IDisposable
{
    /// <summary>The seed path of the update's dropout, apart from every rollout seed (which use non-negative steps).</summary>
    private const long DropoutStream = -2;

    private readonly CausalLM _model;
    private readonly CausalLM? _reference;
    private readonly FlowGrpoOptions _options;
    private readonly int _totalSteps;
    private readonly double _peakLearningRate;
    private readonly PolicyOptimizer _optimizer;
    private readonly CompletionScorer _policyScorer;
    private readonly CompletionScorer? _referenceScorer;

    /// <param name="model">The policy, with LoRA adapters attached or fully trainable; its trainable parameters are what is updated.</param>
    /// <param name="options">The training options; validated here.</param>
    /// <param name="totalSteps">Training steps of the whole run, which the cosine schedule spans (any positive number for a constant one).</param>
    /// <param name="reference">
    /// A frozen copy of the initial policy for the KL term under full fine-tuning. Not needed with LoRA (the reference is
    /// the model with adapters off) or when <see cref="FlowGrpoOptions.Beta"/> is 0.
    /// </param>
    public PolicyUpdater(CausalLM model, FlowGrpoOptions options, int totalSteps, CausalLM? reference = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        if (options.Beta > 0 && reference is null && model.Lora is null)
            throw new ArgumentException("Full fine-tuning with a KL term (Beta > 0) needs a frozen reference model; pass one, attach LoRA adapters, or set Beta to 0.", nameof(reference));
        if (reference is not null && reference.Config.VocabSize != model.Config.VocabSize)
            throw new ArgumentException($"The reference model's vocabulary ({reference.Config.VocabSize}) differs from the policy's ({model.Config.VocabSize}).", nameof(reference));
        _model = model;
        _reference = reference;
        _options = options;
        _totalSteps = totalSteps;
        _peakLearningRate = options.LearningRateFor(model.Lora is not null);
        _optimizer = new PolicyOptimizer(model, options, _peakLearningRate);
        _policyScorer = new CompletionScorer(model);
        _referenceScorer = reference is null ? null : new CompletionScorer(reference);
    }

    /// <summary>Training steps completed: the position of the learning-rate schedule.</summary>
    public int Step { get; private set; }

    /// <summary>The learning rate the next update will use.</summary>
    public double LearningRate => LearningRateSchedule.At(Step, _totalSteps, _peakLearningRate, _options);

    /// <summary>Optimizer steps skipped in a row so far because of a non-finite loss or gradient norm.</summary>
    public int ConsecutiveNonFiniteSteps => _optimizer.ConsecutiveNonFiniteSteps;

    /// <summary>The optimizer's internals, for tests and checkpoints in this assembly.</summary>
    internal PolicyOptimizer Optimizer => _optimizer;

    /// <summary>Runs one training step's update on <paramref name="turns"/> and advances <see cref="Step"/>.</summary>
    /// <param name="turns">The step's planner turns with their advantages (<see cref="GroupAdvantages.Compute"/>); not empty.</param>
    public PolicyUpdateResult Update(IReadOnlyList<TrainingTurn> turns)
    {
        Validate(turns);
        var clock = Stopwatch.StartNew();
        bool wasTraining = _model.training;
        // LoRA dropout draws from libtorch's global generator: seeding it from (seed, step) makes every update
        // reproducible on its own, so a resumed run needs no generator state from the checkpoint.
        if (_model.Lora is { Dropout: > 0 })
        {
            long seed = unchecked((long)SamplingSeeds.Derive((ulong)_options.Seed, DropoutStream, Step));
            // TorchSharp's manual_seed reaches libtorch's CPU generator only; CUDA's have their own.
            random.manual_seed(seed);
            if (_model.parameters().First().device.type == TorchSharp.DeviceType.CUDA)
                cuda.manual_seed_all(seed);
        }
        try
        {
            var tally = new Tally();
            var tables = Prepare(turns, tally);
            double learningRate = LearningRate;
            var miniBatches = MicroBatches.MiniBatches(turns, _options.MiniBatchSize);
            int attempted = 0, skipped = 0;
            double lossSum = 0, normSum = 0;
            for (int epoch = 0; epoch < _options.PpoEpochs; epoch++)
            {
                for (int m = 0; m < miniBatches.Count; m++)
                {
                    bool first = epoch == 0 && m == 0;
                    double loss = Backward(turns, miniBatches[m], tables, tally, measureDrift: first && _options.OldLogProbs == OldLogProbSource.Sampling, countMicroBatches: epoch == 0);
                    var (stepped, norm) = _optimizer.Step(loss, learningRate);
                    attempted++;
                    if (stepped)
                    {
                        lossSum += loss;
                        normSum += norm;
                    }
                    else
                    {
                        skipped++;
                    }
                }
            }
            int taken = attempted - skipped;
            var outcome = new PolicyUpdateResult(
                Step, learningRate, attempted, skipped, _optimizer.ConsecutiveNonFiniteSteps,
                taken == 0 ? double.NaN : lossSum / taken,
                taken == 0 ? double.NaN : normSum / taken,
                tally.Statistics,
                tally.DriftTokens == 0 ? double.NaN : tally.DriftSum / tally.DriftTokens,
                tally.DriftTokens,
                turns.Count,
                turns.Sum(t => (long)t.Sample.CompletionIds.Count),
                tally.MicroBatches,
                clock.Elapsed);
            Step++;
            return outcome;
        }
        finally
        {
            _model.train(wasTraining);
        }
    }

    /// <summary>
    /// Advances <see cref="Step"/> over a training step that had nothing to train on (every group without signal, or
    /// every trajectory failed), so the schedule, the dropout seeds and a checkpoint's step stay those of the trainer.
    /// </summary>
    public void SkipStep() => Step++;

    /// <summary>
    /// Accumulates the gradient of the whole of <paramref name="turns"/> as one mini-batch into the model's parameters
    /// (or the fp32 masters' gradients) without stepping, and returns the loss: what one optimizer step would apply.
    /// </summary>
    internal double AccumulateGradients(IReadOnlyList<TrainingTurn> turns)
    {
        Validate(turns);
        bool wasTraining = _model.training;
        try
        {
            var tally = new Tally();
            var tables = Prepare(turns, tally);
            return Backward(turns, Enumerable.Range(0, turns.Count).ToList(), tables, tally, measureDrift: false, countMicroBatches: false);
        }
        finally
        {
            _model.train(wasTraining);
        }
    }

    /// <summary>The gradient-free passes: reference log-probs (when β &gt; 0) and old log-probs; leaves the model in training mode.</summary>
    private LogProbTables Prepare(IReadOnlyList<TrainingTurn> turns, Tally tally)
    {
        var samples = turns.Select(t => t.Sample).ToList();
        // Whatever the caller left in the gradients must not leak into the first step.
        _optimizer.ZeroGradients();
        _model.eval();
        _reference?.eval();
        var reference = _options.Beta > 0 ? ReferenceLogProbs(samples) : null;
        IReadOnlyList<IReadOnlyList<float>> old = samples.Select(s => s.SamplingLogProbs).ToList();
        if (_options.OldLogProbs == OldLogProbSource.Recomputed)
        {
            var recomputed = ScoreAll(_policyScorer, samples);
            for (int i = 0; i < samples.Count; i++)
            {
                for (int j = 0; j < recomputed[i].Length; j++)
                    tally.DriftSum += Math.Abs(recomputed[i][j] - samples[i].SamplingLogProbs[j]);
                tally.DriftTokens += recomputed[i].Length;
            }
            old = recomputed;
        }
        _model.train();
        return new LogProbTables(old, reference);
    }

    /// <summary>Back-propagates one mini-batch's loss, micro-batch by micro-batch, and returns it.</summary>
    private double Backward(IReadOnlyList<TrainingTurn> turns, IReadOnlyList<int> indices, LogProbTables tables, Tally tally, bool measureDrift, bool countMicroBatches)
    {
        var samples = turns.Select(t => t.Sample).ToList();
        var weights = LossWeights.PerSample(indices.Select(i => turns[i]).ToList(), _options.LossAggregation, _options.MaxCompletionTokens);
        var weightOf = indices.Select((turn, k) => (turn, k)).ToDictionary(x => x.turn, x => weights[x.k]);
        var device = _model.parameters().First().device;
        double loss = 0;
        foreach (var micro in MicroBatches.Pack(indices, samples, _options.MicroBatchTokens))
        {
            using var scope = NewDisposeScope();
            var inputs = new MicroBatchInputs(micro, turns, tables.Old, tables.Reference, weightOf, device);
            loss += _policyScorer.Backward(inputs.Sequences, chunk =>
            {
                var tokens = inputs.Tokens(chunk);
                var result = PolicyLoss.Compute(tokens, _options);
                tally.Statistics += result.Statistics;
                if (measureDrift)
                {
                    using var noGrad = no_grad();
                    tally.DriftSum += (chunk.LogProbs.detach() - tokens.OldLogProbs).abs().sum().to(ScalarType.Float64).item<double>();
                    tally.DriftTokens += chunk.LogProbs.numel();
                }
                return result.Loss;
            }, samples[micro[0]].Temperature);
            _optimizer.AccumulateGradients();
            if (countMicroBatches)
                tally.MicroBatches++;
        }
        return loss;
    }

    /// <summary>
    /// Writes the optimizer state (AdamW moments, fp32 masters for a bf16/fp16 model, step counters) to
    /// <c>optimizer.safetensors</c> in <paramref name="folder"/>, created if missing. The model's weights or adapters are
    /// the caller's to save; together they resume bit for bit.
    /// </summary>
    public void SaveState(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Directory.CreateDirectory(folder);
        OptimizerStateFile.Save(_optimizer, Path.Combine(folder, OptimizerStateFile.FileName), new Dictionary<string, long> { ["step"] = Step });
    }

    /// <summary>
    /// Restores a state written by <see cref="SaveState"/> into this updater, built for a model holding the weights saved
    /// with it. For a bf16/fp16 model the fp32 masters are copied into the model too.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder holds no optimizer state.</exception>
    /// <exception cref="InvalidDataException">The state was saved for other trainable parameters.</exception>
    public void LoadState(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string path = Path.Combine(folder, OptimizerStateFile.FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{folder}' holds no optimizer state ({OptimizerStateFile.FileName}).", path);
        var counters = OptimizerStateFile.Load(_optimizer, path);
        Step = checked((int)counters.GetValueOrDefault("step"));
    }

    /// <summary>Releases the optimizer state and master weights (not the models).</summary>
    public void Dispose() => _optimizer.Dispose();

    private float[][] ReferenceLogProbs(IReadOnlyList<PlannerTurnSample> samples)
    {
        if (_referenceScorer is not null)
            return ScoreAll(_referenceScorer, samples);
        using (_model.WithoutAdapters())
            return ScoreAll(_policyScorer, samples);
    }

    /// <summary>Log-probs of every completion token under <paramref name="scorer"/>'s model, gradient-free, micro-batched by the token budget.</summary>
    private float[][] ScoreAll(CompletionScorer scorer, IReadOnlyList<PlannerTurnSample> samples)
    {
        var result = new float[samples.Count][];
        using var noGrad = no_grad();
        foreach (var micro in MicroBatches.Pack(Enumerable.Range(0, samples.Count).ToList(), samples, _options.MicroBatchTokens))
        {
            using var scope = NewDisposeScope();
            var scores = scorer.Score(micro.Select(i => new ScoredSequence(samples[i].PromptIds, samples[i].CompletionIds)).ToList(), samples[micro[0]].Temperature);
            long width = scores.LogProbs.shape[1];
            var values = scores.LogProbs.cpu().data<float>().ToArray();
            for (int row = 0; row < micro.Count; row++)
                result[micro[row]] = values.AsSpan((int)(row * width), samples[micro[row]].CompletionIds.Count).ToArray();
        }
        return result;
    }

    private void Validate(IReadOnlyList<TrainingTurn> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        if (turns.Count == 0)
            throw new ArgumentException("There are no turns to train on.", nameof(turns));
        int vocabulary = _model.Config.VocabSize;
        for (int i = 0; i < turns.Count; i++)
        {
            var sample = turns[i]?.Sample ?? throw new ArgumentException($"Turn {i} is null.", nameof(turns));
            string where = $"Turn {i} (group {sample.GroupIndex}, trajectory {sample.TrajectoryIndex}, turn {sample.TurnIndex})";
            if (sample.PromptIds.Count == 0 || sample.CompletionIds.Count == 0)
                throw new ArgumentException($"{where} needs at least one prompt token and one completion token.", nameof(turns));
            if (sample.SamplingLogProbs.Count != sample.CompletionIds.Count)
                throw new ArgumentException($"{where} has {sample.SamplingLogProbs.Count} sampling log-probs for {sample.CompletionIds.Count} completion tokens.", nameof(turns));
            if (sample.PromptIds.Count + sample.CompletionIds.Count > _model.Config.MaxPositionEmbeddings)
                throw new ArgumentException($"{where} has {sample.PromptIds.Count + sample.CompletionIds.Count} tokens, more than the model's {_model.Config.MaxPositionEmbeddings}-token context.", nameof(turns));
            if (sample.PromptIds.Concat(sample.CompletionIds).Any(id => id < 0 || id >= vocabulary))
                throw new ArgumentException($"{where} holds a token id outside the vocabulary [0, {vocabulary}).", nameof(turns));
            if (!(sample.Temperature > 0) || !double.IsFinite(sample.Temperature))
                throw new ArgumentException($"{where} has temperature {sample.Temperature}; it must be positive and finite.", nameof(turns));
            if (!double.IsFinite(turns[i].Advantage))
                throw new ArgumentException($"{where} has a non-finite advantage {turns[i].Advantage}.", nameof(turns));
        }
    }

    /// <summary>Old and reference log-probs of every turn, by turn index; the reference is null without a KL term.</summary>
    private sealed record LogProbTables(IReadOnlyList<IReadOnlyList<float>> Old, IReadOnlyList<IReadOnlyList<float>>? Reference);

    /// <summary>What an update counts as it goes.</summary>
    private sealed class Tally
    {
        public PolicyLossStatistics Statistics { get; set; } = PolicyLossStatistics.Empty;
        public double DriftSum { get; set; }
        public long DriftTokens { get; set; }
        public int MicroBatches { get; set; }
    }
}
