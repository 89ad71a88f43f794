using static TorchSharp.torch;

namespace AgentFlow.MLNet.Training;

/// <summary>The weighted loss of some tokens (a scalar with the graph) and what those tokens looked like.</summary>
/// <param name="Loss">Σ weight · token loss over the tokens given: chunks of a batch add up to the batch's loss.</param>
/// <param name="Statistics">Clip, KL, entropy and ratio counts of those tokens.</param>
public sealed record PolicyLossResult(Tensor Loss, PolicyLossStatistics Statistics);

/// <summary>
/// The Flow-GRPO token loss: PPO's clipped surrogate with separate lower and upper clip ranges and verl's dual clip,
/// plus β times the k3 KL estimate to the reference policy, minus an optional entropy bonus. Per token t:
/// <code>
/// ρ   = exp(clamp(log p − log p_old, ±LogRatioClamp))
/// pg  = max(−A·ρ, −A·clip(ρ, 1 − ε, 1 + ε_high));  for A &lt; 0 also min(pg, −A·c)   (dual clip)
/// d   = clamp(ref − log p, ±LogRatioClamp);  k3 = clamp(exp(d) − d − 1, ±KlClamp)
/// ℓ_t = pg + β·k3 − entropy_coefficient·H_t
/// </code>
/// and the result is Σ_t weight_t · ℓ_t, a plain sum, so it can run chunk by chunk inside
/// <see cref="Models.Scoring.CompletionScorer.Backward"/> with the aggregation carried by the weights.
/// </summary>
public static class PolicyLoss
{
    /// <summary>Computes the weighted loss of <paramref name="tokens"/> and its statistics.</summary>
    public static PolicyLossResult Compute(PolicyTokens tokens, FlowGrpoOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(options);
        long count = tokens.LogProbs.numel();
        foreach (var (tensor, name) in new[]
                 {
                     (tokens.OldLogProbs, nameof(tokens.OldLogProbs)), (tokens.Advantages, nameof(tokens.Advantages)),
                     (tokens.Entropy, nameof(tokens.Entropy)), (tokens.Weights, nameof(tokens.Weights)),
                     (tokens.ReferenceLogProbs, nameof(tokens.ReferenceLogProbs)),
                 })
        {
            if (tensor is not null && tensor.numel() != count)
                throw new ArgumentException($"{name} has {tensor.numel()} entries but LogProbs has {count}.", nameof(tokens));
        }

        using var scope = NewDisposeScope();
        var advantages = tokens.Advantages;
        double clamp = options.LogRatioClamp;
        var ratio = (tokens.LogProbs - tokens.OldLogProbs).clamp(-clamp, clamp).exp();
        var unclipped = -advantages * ratio;
        var clipped = -advantages * ratio.clamp(1 - options.Epsilon, 1 + options.EpsilonHigh);
        var surrogate = maximum(unclipped, clipped);
        var negative = advantages < 0;
        Tensor? dualCapped = null;
        if (options.DualClip is { } c)
        {
            var cap = -advantages * c;
            dualCapped = negative.logical_and(surrogate > cap);
            surrogate = where(negative, minimum(surrogate, cap), surrogate);
        }
        var tokenLoss = surrogate;

        Tensor? kl = null;
        if (tokens.ReferenceLogProbs is { } reference)
        {
            var logRatio = (reference - tokens.LogProbs).clamp(-clamp, clamp);
            kl = (logRatio.exp() - logRatio - 1).clamp(-options.KlClamp, options.KlClamp);
            if (options.Beta != 0)
                tokenLoss = tokenLoss + options.Beta * kl;
        }
        if (options.EntropyCoefficient != 0)
            tokenLoss = tokenLoss - options.EntropyCoefficient * tokens.Entropy;
        var loss = (tokenLoss * tokens.Weights).sum();

        PolicyLossStatistics statistics;
        using (no_grad())
        {
            var ratioValue = ratio.detach();
            var low = negative.logical_and(ratioValue < 1 - options.Epsilon);
            var high = (advantages > 0).logical_and(ratioValue > 1 + options.EpsilonHigh);
            var sums = stack(
            [
                low.sum().to(ScalarType.Float64),
                high.sum().to(ScalarType.Float64),
                dualCapped is null ? zeros(1, dtype: ScalarType.Float64, device: loss.device).squeeze() : dualCapped.sum().to(ScalarType.Float64),
                kl is null ? zeros(1, dtype: ScalarType.Float64, device: loss.device).squeeze() : kl.detach().to(ScalarType.Float64).sum(),
                tokens.Entropy.detach().to(ScalarType.Float64).sum(),
                ratioValue.to(ScalarType.Float64).sum(),
            ]).cpu().data<double>().ToArray();
            statistics = new PolicyLossStatistics(count, (long)sums[0], (long)sums[1], (long)sums[2], kl is null ? 0 : count, sums[3], sums[4], sums[5]);
        }
        return new PolicyLossResult(loss.MoveToOuterDisposeScope(), statistics);
    }
}
