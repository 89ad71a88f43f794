namespace AgentFlow.MLNet.Training;

/// <summary>
/// Token counts and sums behind the loss metrics, additive over chunks and micro-batches (<see cref="op_Addition"/>);
/// the fractions and means divide by <see cref="Tokens"/>. Every token counts once, whatever the aggregation weights.
/// </summary>
/// <param name="Tokens">Completion tokens seen.</param>
/// <param name="LowClipped">Tokens with A &lt; 0 and ρ &lt; 1 − ε: the clip at the bottom holds, no gradient (TRL's <c>clip_ratio/low</c>).</param>
/// <param name="HighClipped">Tokens with A &gt; 0 and ρ &gt; 1 + ε_high: the clip at the top holds, no gradient (TRL's <c>clip_ratio/high</c>).</param>
/// <param name="DualClipped">Tokens with A &lt; 0 whose loss was capped at −A·c by the dual clip (verl's <c>pg_clipfrac_lower</c>).</param>
/// <param name="KlTokens">Tokens with a reference log-prob (all of them when β &gt; 0, none otherwise).</param>
/// <param name="KlSum">Sum of the clamped k3 KL estimate over <see cref="KlTokens"/>.</param>
/// <param name="EntropySum">Sum of the policy's token entropies.</param>
/// <param name="RatioSum">Sum of ρ.</param>
public sealed record PolicyLossStatistics(
    long Tokens,
    long LowClipped,
    long HighClipped,
    long DualClipped,
    long KlTokens,
    double KlSum,
    double EntropySum,
    double RatioSum)
{
    /// <summary>Nothing seen yet.</summary>
    public static PolicyLossStatistics Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Fraction of tokens clipped at 1 − ε.</summary>
    public double ClipFractionLow => Fraction(LowClipped);

    /// <summary>Fraction of tokens clipped at 1 + ε_high.</summary>
    public double ClipFractionHigh => Fraction(HighClipped);

    /// <summary>Fraction of tokens capped by the dual clip.</summary>
    public double DualClipFraction => Fraction(DualClipped);

    /// <summary>Mean k3 KL to the reference; NaN without a reference.</summary>
    public double MeanKl => KlTokens == 0 ? double.NaN : KlSum / KlTokens;

    /// <summary>Mean token entropy.</summary>
    public double MeanEntropy => Tokens == 0 ? double.NaN : EntropySum / Tokens;

    /// <summary>Mean ratio ρ (1 exactly on-policy).</summary>
    public double MeanRatio => Tokens == 0 ? double.NaN : RatioSum / Tokens;

    /// <summary>The statistics of both parts together.</summary>
    public static PolicyLossStatistics operator +(PolicyLossStatistics left, PolicyLossStatistics right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new PolicyLossStatistics(
            left.Tokens + right.Tokens,
            left.LowClipped + right.LowClipped,
            left.HighClipped + right.HighClipped,
            left.DualClipped + right.DualClipped,
            left.KlTokens + right.KlTokens,
            left.KlSum + right.KlSum,
            left.EntropySum + right.EntropySum,
            left.RatioSum + right.RatioSum);
    }

    private double Fraction(long count) => Tokens == 0 ? double.NaN : (double)count / Tokens;
}
