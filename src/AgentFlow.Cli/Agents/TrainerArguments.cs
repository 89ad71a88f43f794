using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using AgentFlow.MLNet.Training;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// <c>train</c>'s flags for every <see cref="FlowGrpoOptions"/> option: the flag is the option's name in kebab case
/// (<c>EpsilonHigh</c> → <c>--epsilon-high</c>), except <c>--epochs</c> (<c>NumTrainEpochs</c>), <c>--resume</c>
/// (<c>ResumeFromCheckpoint</c>) and <c>--output</c> (<c>OutputFolder</c>). Defaults are <see cref="FlowGrpoOptions"/>'
/// own, shown in <c>--help</c>; a flag left out keeps the default.
/// </summary>
internal sealed class TrainerArguments
{
    private static readonly FlowGrpoOptions Defaults = new();

    private readonly List<(Option Option, Func<FlowGrpoOptions, ParseResult, FlowGrpoOptions> Apply)> _flags = [];

    internal TrainerArguments()
    {
        // Rollouts
        Int("--batch-size", "Questions per step", Defaults.BatchSize, 1, (o, v) => o with { BatchSize = v });
        Int("--num-generations", "Trajectories per question, G, at least 2 (TRL num_generations)", Defaults.NumGenerations, 2, (o, v) => o with { NumGenerations = v });
        Int("--max-turns", "Planner turns per rollout", Defaults.MaxTurns, 1, (o, v) => o with { MaxTurns = v });
        Real("--temperature", "Planner sampling temperature in rollouts", Defaults.Temperature, Positive, (o, v) => o with { Temperature = v });
        Real("--top-p", "Planner nucleus sampling in rollouts", Defaults.TopP, UpToOne, (o, v) => o with { TopP = v });
        Real("--frequency-penalty", "Planner frequency penalty in rollouts", Defaults.FrequencyPenalty, NotNegative, (o, v) => o with { FrequencyPenalty = v });
        Int("--max-completion-tokens", "Tokens per module call (TRL max_completion_length)", Defaults.MaxCompletionTokens, 1, (o, v) => o with { MaxCompletionTokens = v });
        Int("--epochs", "Passes over the data (TRL num_train_epochs)", Defaults.NumTrainEpochs, 1, (o, v) => o with { NumTrainEpochs = v });
        Int("--seed", "Seed of the shuffles and the rollouts", Defaults.Seed, 0, (o, v) => o with { Seed = v });
        // Advantages
        Choice("--advantage-grouping", "Which rewards an advantage is normalised against", Defaults.AdvantageGrouping, (o, v) => o with { AdvantageGrouping = v });
        Choice("--scale-rewards", "What a centred reward is divided by (TRL scale_rewards)", Defaults.ScaleRewards, (o, v) => o with { ScaleRewards = v });
        Real("--advantage-epsilon", "Added to the reward standard deviation", Defaults.AdvantageEpsilon, Positive, (o, v) => o with { AdvantageEpsilon = v });
        Switch("--drop-zero-variance-groups", "Leave groups whose rewards are all equal out of the update (DAPO's filter)", (o, v) => o with { DropZeroVarianceGroups = v });
        // Loss
        Real("--epsilon", "Lower clip range, below 1 (TRL epsilon)", Defaults.Epsilon, BelowOne, (o, v) => o with { Epsilon = v });
        Real("--epsilon-high", "Upper clip range (TRL epsilon_high)", Defaults.EpsilonHigh, Positive, (o, v) => o with { EpsilonHigh = v });
        Optional("--dual-clip", "Dual-clip constant c, or 'off' (verl clip_ratio_c)", Defaults.DualClip, "off", "a number above 1", (double c) => c > 1 && double.IsFinite(c), (o, v) => o with { DualClip = v });
        Real("--beta", "KL coefficient; 0 skips the reference policy (TRL beta)", Defaults.Beta, NotNegative, (o, v) => o with { Beta = v });
        Real("--log-ratio-clamp", "Bound on log-ratios before they are exponentiated", Defaults.LogRatioClamp, Positive, (o, v) => o with { LogRatioClamp = v });
        Real("--kl-clamp", "Bound on the k3 KL value", Defaults.KlClamp, Positive, (o, v) => o with { KlClamp = v });
        Real("--entropy-coefficient", "Weight of the entropy bonus (verl entropy_coeff)", Defaults.EntropyCoefficient, NotNegative, (o, v) => o with { EntropyCoefficient = v });
        Choice("--loss-aggregation", "How token losses are summed into a step's loss (TRL loss_type)", Defaults.LossAggregation, (o, v) => o with { LossAggregation = v });
        Choice("--old-log-probs", "Where the PPO ratio's old log-probs come from", Defaults.OldLogProbs, (o, v) => o with { OldLogProbs = v });
        // Optimisation
        Optional("--learning-rate", $"AdamW peak learning rate, or 'auto': {FlowGrpoOptions.LoraLearningRate.ToString(CultureInfo.InvariantCulture)} with LoRA", Defaults.LearningRate, "auto", "0 or a positive number", (double r) => r >= 0 && double.IsFinite(r), (o, v) => o with { LearningRate = v });
        Real("--weight-decay", "AdamW decoupled weight decay", Defaults.WeightDecay, NotNegative, (o, v) => o with { WeightDecay = v });
        Real("--adam-beta1", "AdamW beta1", Defaults.AdamBeta1, FractionBelowOne, (o, v) => o with { AdamBeta1 = v });
        Real("--adam-beta2", "AdamW beta2", Defaults.AdamBeta2, FractionBelowOne, (o, v) => o with { AdamBeta2 = v });
        Real("--adam-epsilon", "AdamW epsilon", Defaults.AdamEpsilon, Positive, (o, v) => o with { AdamEpsilon = v });
        Real("--max-grad-norm", "Global gradient-norm clip; Infinity for none (TRL max_grad_norm)", Defaults.MaxGradNorm, PositiveOrInfinity, (o, v) => o with { MaxGradNorm = v });
        Int("--warmup-steps", "Steps of linear warm-up", Defaults.WarmupSteps, 0, (o, v) => o with { WarmupSteps = v });
        Choice("--lr-scheduler", "The learning-rate curve after warm-up (TRL lr_scheduler_type)", Defaults.LrScheduler, (o, v) => o with { LrScheduler = v });
        Real("--min-learning-rate-ratio", "Where the cosine ends, as a fraction of the peak (verl min_lr_ratio)", Defaults.MinLearningRateRatio, Fraction, (o, v) => o with { MinLearningRateRatio = v });
        Int("--ppo-epochs", "Optimisation passes over a step's rollouts (TRL num_iterations)", Defaults.PpoEpochs, 1, (o, v) => o with { PpoEpochs = v });
        Int("--mini-batch-size", "Questions per optimizer step (capped at --batch-size); 0 for one mini-batch per step", Defaults.MiniBatchSize, 0, (o, v) => o with { MiniBatchSize = v });
        Int("--micro-batch-tokens", "Most tokens in one forward/backward pass; larger mini-batches accumulate", Defaults.MicroBatchTokens, 1, (o, v) => o with { MicroBatchTokens = v });
        Int("--max-consecutive-non-finite-steps", "Steps in a row with a NaN/Inf loss skipped before training stops", Defaults.MaxConsecutiveNonFiniteSteps, 1, (o, v) => o with { MaxConsecutiveNonFiniteSteps = v });
        // Checkpoints and validation
        Int("--save-steps", "Write a checkpoint (checkpoint-N in --output) every N steps, and at the end", Defaults.SaveSteps, 1, (o, v) => o with { SaveSteps = v });
        Optional("--save-total-limit", "Most checkpoints kept (never the best nor the newest is deleted), or 'all'", Defaults.SaveTotalLimit, "all", "a positive whole number", (int n) => n > 0, (o, v) => o with { SaveTotalLimit = v });
        Int("--eval-steps", "Validate every N steps; 0 only at the end", Defaults.EvalSteps, 0, (o, v) => o with { EvalSteps = v });
    }

    internal IEnumerable<Option> All => _flags.Select(f => f.Option);

    internal void AddTo(Command command)
    {
        foreach (var option in All)
            command.Options.Add(option);
    }

    /// <summary>The options the command line gives; <paramref name="outputFolder"/> and <paramref name="resume"/> come from <c>--output</c> and <c>--resume</c>.</summary>
    internal FlowGrpoOptions Build(ParseResult result, string outputFolder, bool resume)
    {
        var options = _flags.Aggregate(Defaults, (current, flag) => result.GetResult(flag.Option) is null ? current : flag.Apply(current, result));
        return options with
        {
            MiniBatchSize = Math.Min(options.MiniBatchSize, options.BatchSize),
            OutputFolder = outputFolder,
            ResumeFromCheckpoint = resume ? outputFolder : null,
        };
    }

    /// <summary>
    /// The trainer's "a resumed run must keep every option except ..." refusal with the flags a command-line user typed
    /// (<c>--epochs</c>) in place of the option keys of <c>trainer_state.json</c> (<c>num_train_epochs</c>); null for any
    /// other message.
    /// </summary>
    internal static string? WithFlagNames(string message)
    {
        var match = Regex.Match(message, @"^(.* was trained with )([a-z0-9_]+)( = .*; a resumed run must keep every option except )([a-z0-9_, ]+)\.?$", RegexOptions.Singleline);
        if (!match.Success)
            return null;
        string except = string.Join(", ", match.Groups[4].Value.Split(", ").Select(FlagOf).Where(f => f is not ("--output" or "--resume")));
        return $"{match.Groups[1].Value}{FlagOf(match.Groups[2].Value)}{match.Groups[3].Value}{except}";
    }

    /// <summary>The flag of a <c>trainer_state.json</c> option key: <c>eval_steps</c> → <c>--eval-steps</c>, with <see cref="TrainerArguments"/>' renames.</summary>
    private static string FlagOf(string key) => key switch
    {
        "num_train_epochs" => "--epochs",
        "output_folder" => "--output",
        "resume_from_checkpoint" => "--resume",
        _ => "--" + key.Replace('_', '-'),
    };

    private void Int(string name, string description, int defaultValue, int minimum, Func<FlowGrpoOptions, int, FlowGrpoOptions> apply)
    {
        string expected = minimum switch { 0 => "a whole number of at least 0", 1 => "a positive whole number", _ => $"a whole number of at least {minimum}" };
        var option = CliOptions.Number(name, $"{description}. Default {defaultValue}.", expected, (int n) => n >= minimum);
        _flags.Add((option, (o, r) => apply(o, r.GetValue(option))));
    }

    /// <summary>A real option's range: what <see cref="FlowGrpoOptions.Validate"/> accepts, and how the error says it.</summary>
    private sealed record RealRange(string Expected, Func<double, bool> Contains);

    private static readonly RealRange Positive = new("a positive number", v => v > 0 && double.IsFinite(v));
    private static readonly RealRange NotNegative = new("0 or a positive number", v => v >= 0 && double.IsFinite(v));
    private static readonly RealRange PositiveOrInfinity = new("a positive number or Infinity", v => v > 0);
    private static readonly RealRange UpToOne = new("a number in (0, 1]", v => v > 0 && v <= 1);
    private static readonly RealRange BelowOne = new("a number in (0, 1)", v => v > 0 && v < 1);
    private static readonly RealRange FractionBelowOne = new("a number in [0, 1)", v => v >= 0 && v < 1);
    private static readonly RealRange Fraction = new("a number in [0, 1]", v => v >= 0 && v <= 1);

    private void Real(string name, string description, double defaultValue, RealRange range, Func<FlowGrpoOptions, double, FlowGrpoOptions> apply)
    {
        var option = CliOptions.Number(name, $"{description}. Default {defaultValue.ToString(CultureInfo.InvariantCulture)}.", range.Expected, range.Contains);
        _flags.Add((option, (o, r) => apply(o, r.GetValue(option))));
    }

    private void Switch(string name, string description, Func<FlowGrpoOptions, bool, FlowGrpoOptions> apply)
    {
        var option = new Option<bool>(name) { Description = $"{description}. Default off." };
        _flags.Add((option, (o, r) => apply(o, r.GetValue(option))));
    }

    private void Choice<TEnum>(string name, string description, TEnum defaultValue, Func<FlowGrpoOptions, TEnum, FlowGrpoOptions> apply)
        where TEnum : struct, Enum
    {
        var option = CliOptions.Choice(name, description, defaultValue);
        _flags.Add((option, (o, r) => apply(o, r.GetValue(option))));
    }

    /// <summary>A number, or the word <paramref name="none"/> for the option's null (<c>--dual-clip off</c>).</summary>
    private void Optional<T>(string name, string description, T? defaultValue, string none, string expected, Func<T, bool> isValid,
        Func<FlowGrpoOptions, T?, FlowGrpoOptions> apply)
        where T : struct, System.Numerics.INumber<T>
    {
        string shown = defaultValue is T value ? value.ToString(null, CultureInfo.InvariantCulture) : none;
        var option = CliOptions.NumberOrNone(name, $"{description}. Default {shown}.", none, $"{expected} or '{none}'", isValid);
        _flags.Add((option, (o, r) => apply(o, CliOptions.NumberOrNoneValue<T>(r.GetValue(option)!, none))));
    }
}
