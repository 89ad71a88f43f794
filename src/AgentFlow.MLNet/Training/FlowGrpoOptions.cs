namespace AgentFlow.MLNet.Training;

/// <summary>
/// Every option of Flow-GRPO training in one immutable record: clone with <c>with { … }</c>, never mutate. Defaults
/// follow the AgentFlow reference run (its verl config: <c>train/config.yaml</c>) and, where it is silent, verl's
/// defaults; names follow TRL's <c>GRPOConfig</c> where one fits. Each property says its default and where both
/// come from.
/// </summary>
public sealed record FlowGrpoOptions
{
    /// <summary>Full fine-tuning's learning rate when <see cref="LearningRate"/> is null: 1e-6 (the reference's <c>actor.optim.lr</c>).</summary>
    public const double FullFineTuningLearningRate = 1e-6;

    /// <summary>
    /// LoRA's learning rate when <see cref="LearningRate"/> is null: 1e-5, ten times <see cref="FullFineTuningLearningRate"/>.
    /// A LoRA update starts from B = 0 and lives in a rank-r subspace, so the same step moves the model far less; the
    /// optimal LoRA rate measured for both supervised and RL fine-tuning ("LoRA Without Regret", Thinking Machines,
    /// 2025) is consistently about 10× the full fine-tuning one, with α = 32 as in <c>LoraOptions</c>' default.
    /// </summary>
    public const double LoraLearningRate = 1e-5;

    // ---- Rollouts -------------------------------------------------------------------------------------------------

    /// <summary>Questions per training step. Default 32 (the reference's <c>data.train_batch_size</c>).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Trajectories G sampled per question (TRL <c>num_generations</c>, verl <c>rollout.n</c>); at least 2, since an
    /// advantage is measured against the question's other trajectories and a group of one has none. Default 8.
    /// </summary>
    public int NumGenerations { get; init; } = 8;

    /// <summary>Most planner turns per training trajectory. Default 3 (the reference's <c>TOOL_STEPS</c>).</summary>
    public int MaxTurns { get; init; } = 3;

    /// <summary>Planner sampling temperature in rollouts (TRL <c>temperature</c>). Default 0.7 (the reference's <c>TRAIN_TEMPERATURE</c>).</summary>
    public double Temperature { get; init; } = 0.7;

    /// <summary>Planner nucleus sampling in rollouts (TRL <c>top_p</c>). Default 0.99 (the reference planner's setting).</summary>
    public double TopP { get; init; } = 0.99;

    /// <summary>Planner frequency penalty in rollouts. Default 1.2 (the reference planner's setting).</summary>
    public double FrequencyPenalty { get; init; } = 1.2;

    /// <summary>
    /// Most tokens of one planner completion (TRL <c>max_completion_length</c>); also Dr. GRPO's constant divisor
    /// (<see cref="LossAggregation.SeqMeanTokenSumNorm"/>). Default 2048 (the reference's <c>data.max_response_length</c>).
    /// </summary>
    public int MaxCompletionTokens { get; init; } = 2048;

    /// <summary>Passes over the training set (TRL <c>num_train_epochs</c>). Default 5 (the reference's <c>trainer.total_epochs</c>).</summary>
    public int NumTrainEpochs { get; init; } = 5;

    /// <summary>Seed of everything random in training: data order, rollout sampling, dropout. Default 42 (TRL's <c>seed</c>).</summary>
    public int Seed { get; init; } = 42;

    // ---- Advantages -----------------------------------------------------------------------------------------------

    /// <summary>Which rewards an advantage is normalised against. Default <see cref="AdvantageGrouping.Trajectory"/> (the paper).</summary>
    public AdvantageGrouping AdvantageGrouping { get; init; } = AdvantageGrouping.Trajectory;

    /// <summary>What a centred reward is divided by (TRL <c>scale_rewards</c>). Default <see cref="RewardScaling.Group"/>.</summary>
    public RewardScaling ScaleRewards { get; init; } = RewardScaling.Group;

    /// <summary>ε added to the standard deviation: A = (r − mean) / (std + ε), std unbiased. Default 1e-6 (verl's GRPO estimator).</summary>
    public double AdvantageEpsilon { get; init; } = 1e-6;

    /// <summary>
    /// Whether groups whose rewards are all equal (advantage 0 everywhere) leave the training batch instead of adding
    /// only KL and entropy terms and diluting the token mean (DAPO's dynamic-sampling filter). They are counted either
    /// way. Default false (verl and TRL keep them).
    /// </summary>
    public bool DropZeroVarianceGroups { get; init; }

    // ---- Loss -----------------------------------------------------------------------------------------------------

    /// <summary>Lower clip range: ρ is clipped at 1 − ε for negative advantages (TRL <c>epsilon</c>, verl <c>clip_ratio_low</c>). Default 0.2.</summary>
    public double Epsilon { get; init; } = 0.2;

    /// <summary>Upper clip range: ρ is clipped at 1 + ε_high for positive advantages (TRL <c>epsilon_high</c>, verl <c>clip_ratio_high</c>). Default 0.3 (the reference).</summary>
    public double EpsilonHigh { get; init; } = 0.3;

    /// <summary>
    /// Dual-clip constant c: for a negative advantage the token loss is at most −A·c, so a huge ratio cannot blow the
    /// step up (verl <c>clip_ratio_c</c>). Must exceed 1; null switches dual clipping off. Default 3.0.
    /// </summary>
    public double? DualClip { get; init; } = 3.0;

    /// <summary>Coefficient β of the k3 KL to the reference policy (TRL <c>beta</c>, verl <c>kl_loss_coef</c>); 0 skips the reference pass. Default 0.001.</summary>
    public double Beta { get; init; } = 0.001;

    /// <summary>Bound on log-ratios before they are exponentiated: log p − log p_old for ρ and ref − log p for k3, clamped to ±this. Default 20 (verl).</summary>
    public double LogRatioClamp { get; init; } = 20;

    /// <summary>Bound on the k3 value exp(ref − log p) − (ref − log p) − 1, clamped to ±this (verl's <c>low_var_kl</c>). Default 10.</summary>
    public double KlClamp { get; init; } = 10;

    /// <summary>Weight of the entropy bonus: the loss subtracts this × the token entropy (verl <c>entropy_coeff</c>). Default 0 (the reference).</summary>
    public double EntropyCoefficient { get; init; }

    /// <summary>How token losses are summed into a step's loss (TRL <c>loss_type</c>, verl <c>loss_agg_mode</c>). Default <see cref="LossAggregation.TokenMean"/> (verl's default).</summary>
    public LossAggregation LossAggregation { get; init; } = LossAggregation.TokenMean;

    /// <summary>Where the PPO ratio's old log-probs come from. Default <see cref="OldLogProbSource.Sampling"/>; see that enum for the difference.</summary>
    public OldLogProbSource OldLogProbs { get; init; } = OldLogProbSource.Sampling;

    // ---- Optimisation ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Peak AdamW learning rate (TRL <c>learning_rate</c>). Default null: <see cref="FullFineTuningLearningRate"/> (1e-6)
    /// for full fine-tuning, <see cref="LoraLearningRate"/> (1e-5) when the model carries LoRA adapters.
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>Decoupled AdamW weight decay on every trainable parameter (verl applies it to all). Default 0.01 (the reference).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>AdamW β1 (TRL <c>adam_beta1</c>). Default 0.9.</summary>
    public double AdamBeta1 { get; init; } = 0.9;

    /// <summary>AdamW β2 (TRL <c>adam_beta2</c>). Default 0.999 (PyTorch's; TorchSharp's <c>optim.AdamW</c> factory would use 0.99).</summary>
    public double AdamBeta2 { get; init; } = 0.999;

    /// <summary>AdamW ε (TRL <c>adam_epsilon</c>). Default 1e-8.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Gradients are scaled so their global L2 norm is at most this (TRL <c>max_grad_norm</c>, verl <c>grad_clip</c>). Default 1.0.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// Training steps of linear warm-up (TRL <c>warmup_steps</c>): step s &lt; W runs at (s + 1) / (W + 1) × the rate, so
    /// the first step already learns (Hugging Face's schedule would spend it at rate 0). Default 0 (the reference).
    /// </summary>
    public int WarmupSteps { get; init; }

    /// <summary>The curve after warm-up (TRL <c>lr_scheduler_type</c>). Default <see cref="LearningRateScheduler.Constant"/> (verl's default).</summary>
    public LearningRateScheduler LrScheduler { get; init; } = LearningRateScheduler.Constant;

    /// <summary>Where the cosine ends, as a fraction of the peak rate (verl <c>min_lr_ratio</c>). Default 0.</summary>
    public double MinLearningRateRatio { get; init; }

    /// <summary>Optimisation passes over one step's rollouts (TRL <c>num_iterations</c>, verl <c>ppo_epochs</c>). Default 1.</summary>
    public int PpoEpochs { get; init; } = 1;

    /// <summary>
    /// Questions per optimizer step: a step's batch is cut, in question order, into mini-batches holding every planner
    /// turn of this many questions' trajectories (verl <c>ppo_mini_batch_size</c>, in prompts). 0 means one mini-batch
    /// for the whole step. Default 8 (the reference: 32 questions → 4 optimizer steps per training step).
    /// </summary>
    public int MiniBatchSize { get; init; } = 8;

    /// <summary>
    /// Token budget of one forward/backward pass: turn samples of a mini-batch are packed, longest first, while rows ×
    /// longest (prompt + completion) stays within it; a sample longer than the budget goes alone. Gradients of the
    /// micro-batches accumulate, and the loss weights make the sum equal the whole mini-batch's. Default 8192.
    /// </summary>
    public int MicroBatchTokens { get; init; } = 8192;

    /// <summary>
    /// Optimizer steps in a row with a non-finite loss or gradient norm (each is skipped, its gradients zeroed) after
    /// which training stops with an error. Default 3.
    /// </summary>
    public int MaxConsecutiveNonFiniteSteps { get; init; } = 3;

    // ---- Checkpoints and validation -------------------------------------------------------------------------------

    /// <summary>
    /// A checkpoint (<c>checkpoint-{step}</c> in <see cref="OutputFolder"/>) every this many training steps, one at the end,
    /// and one at each new best validation accuracy (TRL <c>save_steps</c>). Default 2 (the reference's <c>trainer.save_freq</c>).
    /// </summary>
    public int SaveSteps { get; init; } = 2;

    /// <summary>
    /// Most checkpoints kept in <see cref="OutputFolder"/>: older ones are deleted, never the best nor the newest (TRL
    /// <c>save_total_limit</c>). Null keeps all. Default null.
    /// </summary>
    public int? SaveTotalLimit { get; init; }

    /// <summary>
    /// A checkpoint folder, or an output folder whose newest checkpoint is taken, to continue training from (TRL's
    /// <c>resume_from_checkpoint</c>). The run continues bit for bit — the same next batch, samples and loss, step numbers
    /// going on — provided the model is set up as at the start (the same base, adapters attached with the same options),
    /// the training set is the same, and every option is the same except <see cref="OutputFolder"/>,
    /// <see cref="SaveSteps"/>, <see cref="SaveTotalLimit"/>, <see cref="EvalSteps"/>, <see cref="MaxConsecutiveNonFiniteSteps"/>
    /// and, under the constant schedule, <see cref="NumTrainEpochs"/> (a cosine's shape depends on the run's length).
    /// Checkpoints after the one resumed from, and their metrics lines, are replaced. Without it, training refuses an
    /// output folder that already holds a run. Default null (start afresh).
    /// </summary>
    public string? ResumeFromCheckpoint { get; init; }

    /// <summary>
    /// Validation every this many training steps, and always after the last step; 0 validates only after the last step
    /// (TRL <c>eval_steps</c>). No validation set, no validation. Default 2 (the reference's <c>trainer.test_freq</c>).
    /// </summary>
    public int EvalSteps { get; init; } = 2;

    /// <summary>Folder for checkpoints and <c>metrics.jsonl</c> (TRL <c>output_dir</c>); null writes nothing. Default null.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>Training steps per epoch over <paramref name="rows"/> training rows: ⌈rows / <see cref="BatchSize"/>⌉ (the last batch may be short).</summary>
    public int StepsPerEpoch(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        return (rows + BatchSize - 1) / BatchSize;
    }

    /// <summary>Training steps of a whole run over <paramref name="rows"/> training rows, resumed steps included: <see cref="StepsPerEpoch"/> × <see cref="NumTrainEpochs"/>.</summary>
    public int TotalSteps(int rows) => StepsPerEpoch(rows) * NumTrainEpochs;

    /// <summary>The learning rate this run uses: <see cref="LearningRate"/>, or the default for LoRA or full fine-tuning.</summary>
    public double LearningRateFor(bool lora) => LearningRate ?? (lora ? LoraLearningRate : FullFineTuningLearningRate);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (or <see cref="ArgumentException"/>) naming the first bad option.</summary>
    public void Validate()
    {
        Positive(BatchSize, nameof(BatchSize));
        // A group of one trajectory has no baseline: every advantage would be 0 and the planner would never learn.
        if (NumGenerations < 2)
            throw new ArgumentOutOfRangeException(nameof(NumGenerations), NumGenerations,
                "NumGenerations must be at least 2: an advantage compares a trajectory with the other trajectories of its question.");
        Positive(MaxTurns, nameof(MaxTurns));
        Positive(MaxCompletionTokens, nameof(MaxCompletionTokens));
        Positive(NumTrainEpochs, nameof(NumTrainEpochs));
        Positive(PpoEpochs, nameof(PpoEpochs));
        Positive(MicroBatchTokens, nameof(MicroBatchTokens));
        Positive(MaxConsecutiveNonFiniteSteps, nameof(MaxConsecutiveNonFiniteSteps));
        Positive(SaveSteps, nameof(SaveSteps));
        NotNegative(MiniBatchSize, nameof(MiniBatchSize));
        NotNegative(WarmupSteps, nameof(WarmupSteps));
        NotNegative(EvalSteps, nameof(EvalSteps));
        if (!(Temperature > 0) || !double.IsFinite(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "The sampling temperature must be positive and finite.");
        if (!(TopP > 0 && TopP <= 1))
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "Top-p must be in (0, 1].");
        NonNegativeFinite(FrequencyPenalty, nameof(FrequencyPenalty));
        Enum(AdvantageGrouping, nameof(AdvantageGrouping));
        Enum(ScaleRewards, nameof(ScaleRewards));
        Enum(LossAggregation, nameof(LossAggregation));
        Enum(OldLogProbs, nameof(OldLogProbs));
        Enum(LrScheduler, nameof(LrScheduler));
        if (!(AdvantageEpsilon > 0) || !double.IsFinite(AdvantageEpsilon))
            throw new ArgumentOutOfRangeException(nameof(AdvantageEpsilon), AdvantageEpsilon, "The advantage ε must be positive and finite.");
        if (!(Epsilon > 0 && Epsilon < 1))
            throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "The lower clip range must be in (0, 1).");
        if (!(EpsilonHigh > 0) || !double.IsFinite(EpsilonHigh))
            throw new ArgumentOutOfRangeException(nameof(EpsilonHigh), EpsilonHigh, "The upper clip range must be positive and finite.");
        if (DualClip is { } c && !(c > 1 && double.IsFinite(c)))
            throw new ArgumentOutOfRangeException(nameof(DualClip), DualClip, "The dual-clip constant must be finite and greater than 1 (or null for none).");
        NonNegativeFinite(Beta, nameof(Beta));
        if (!(LogRatioClamp > 0) || !double.IsFinite(LogRatioClamp))
            throw new ArgumentOutOfRangeException(nameof(LogRatioClamp), LogRatioClamp, "The log-ratio clamp must be positive and finite.");
        if (!(KlClamp > 0) || !double.IsFinite(KlClamp))
            throw new ArgumentOutOfRangeException(nameof(KlClamp), KlClamp, "The KL clamp must be positive and finite.");
        NonNegativeFinite(EntropyCoefficient, nameof(EntropyCoefficient));
        if (LearningRate is { } lr)
            NonNegativeFinite(lr, nameof(LearningRate));
        NonNegativeFinite(WeightDecay, nameof(WeightDecay));
        if (!(AdamBeta1 >= 0 && AdamBeta1 < 1))
            throw new ArgumentOutOfRangeException(nameof(AdamBeta1), AdamBeta1, "Adam β1 must be in [0, 1).");
        if (!(AdamBeta2 >= 0 && AdamBeta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(AdamBeta2), AdamBeta2, "Adam β2 must be in [0, 1).");
        if (!(AdamEpsilon > 0) || !double.IsFinite(AdamEpsilon))
            throw new ArgumentOutOfRangeException(nameof(AdamEpsilon), AdamEpsilon, "Adam ε must be positive and finite.");
        if (!(MaxGradNorm > 0))
            throw new ArgumentOutOfRangeException(nameof(MaxGradNorm), MaxGradNorm, "The gradient-norm bound must be positive (+∞ for no clipping).");
        if (!(MinLearningRateRatio >= 0 && MinLearningRateRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinLearningRateRatio), MinLearningRateRatio, "The minimum learning-rate ratio must be in [0, 1].");
        if (OutputFolder is not null && string.IsNullOrWhiteSpace(OutputFolder))
            throw new ArgumentException("The output folder must be null or a path.", nameof(OutputFolder));
        if (SaveTotalLimit is { } limit)
            Positive(limit, nameof(SaveTotalLimit));
        if (ResumeFromCheckpoint is not null && string.IsNullOrWhiteSpace(ResumeFromCheckpoint))
            throw new ArgumentException("The checkpoint to resume from must be null or a path.", nameof(ResumeFromCheckpoint));
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
    }

    private static void NotNegative(int value, string name)
    {
        if (value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative.");
    }

    private static void NonNegativeFinite(double value, string name)
    {
        if (!(value >= 0) || !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and not negative.");
    }

    private static void Enum<T>(T value, string name) where T : struct, System.Enum
    {
        if (!System.Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be one of {string.Join(", ", System.Enum.GetNames<T>())}.");
    }
}
