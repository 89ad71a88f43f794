namespace AgentFlow.MLNet.Training;

/// <summary>What one <see cref="PolicyUpdater.Update"/> (one training step's optimisation) did and measured.</summary>
/// <param name="Step">The training step this update was (from 0); the learning-rate schedule's position.</param>
/// <param name="LearningRate">The learning rate its optimizer steps used.</param>
/// <param name="OptimizerSteps">Optimizer steps attempted: epochs × mini-batches.</param>
/// <param name="SkippedSteps">Of those, skipped because the loss or the gradient norm was not finite (gradients dropped).</param>
/// <param name="ConsecutiveNonFiniteSteps">
/// Skipped optimizer steps in a row up to now, across updates; training should stop once it reaches
/// <see cref="FlowGrpoOptions.MaxConsecutiveNonFiniteSteps"/>.
/// </param>
/// <param name="Loss">Mean loss of the optimizer steps taken; NaN when none was.</param>
/// <param name="GradNorm">Mean gradient L2 norm before clipping of the optimizer steps taken; NaN when none was.</param>
/// <param name="Statistics">Clip fractions, KL, entropy and ratio over every token of every epoch.</param>
/// <param name="LogProbDrift">
/// Mean |log p recomputed − log p sampled| over <paramref name="DriftTokens"/> tokens, measured before any optimizer
/// step: a tokenisation or numerics gap between rollout and update shows here at once (fp32 on one device: ~1e-6).
/// </param>
/// <param name="DriftTokens">
/// Tokens the drift was measured on: all of them with recomputed old log-probs, the first mini-batch's with sampling
/// ones (later mini-batches are scored after a step, when the weights have moved).
/// </param>
/// <param name="Turns">Turn samples trained on.</param>
/// <param name="Tokens">Their completion tokens (per epoch).</param>
/// <param name="MicroBatches">Forward/backward passes of one epoch.</param>
/// <param name="Elapsed">Wall-clock time of the update, reference and old-policy passes included.</param>
public sealed record PolicyUpdateResult(
    int Step,
    double LearningRate,
    int OptimizerSteps,
    int SkippedSteps,
    int ConsecutiveNonFiniteSteps,
    double Loss,
    double GradNorm,
    PolicyLossStatistics Statistics,
    double LogProbDrift,
    long DriftTokens,
    int Turns,
    long Tokens,
    int MicroBatches,
    TimeSpan Elapsed);
