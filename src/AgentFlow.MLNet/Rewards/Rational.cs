using System.Numerics;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// An exact fraction in lowest terms with a positive denominator, so that 8 / (3 - 8/3) is exactly 24 where
/// binary or decimal floating point would be off in the last digit.
/// </summary>
internal readonly struct Rational : IEquatable<Rational>
{
    private Rational(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.Sign < 0)
            (numerator, denominator) = (-numerator, -denominator);
        var divisor = BigInteger.GreatestCommonDivisor(numerator, denominator);
        Numerator = divisor.IsOne || divisor.IsZero ? numerator : numerator / divisor;
        Denominator = divisor.IsOne || divisor.IsZero ? denominator : denominator / divisor;
    }

    internal BigInteger Numerator { get; }

    internal BigInteger Denominator { get; }

    internal static Rational FromInteger(BigInteger value) => new(value, BigInteger.One);

    public static Rational operator +(Rational a, Rational b) =>
        new(a.Numerator * b.Denominator + b.Numerator * a.Denominator, a.Denominator * b.Denominator);

    public static Rational operator -(Rational a, Rational b) =>
        new(a.Numerator * b.Denominator - b.Numerator * a.Denominator, a.Denominator * b.Denominator);

    public static Rational operator *(Rational a, Rational b) =>
        new(a.Numerator * b.Numerator, a.Denominator * b.Denominator);

    /// <summary>Exact division; the caller checks <paramref name="b"/> for zero first.</summary>
    public static Rational operator /(Rational a, Rational b) =>
        b.Numerator.IsZero ? throw new DivideByZeroException() : new(a.Numerator * b.Denominator, a.Denominator * b.Numerator);

    internal bool IsZero => Numerator.IsZero;

    public bool Equals(Rational other) => Numerator == other.Numerator && Denominator == other.Denominator;

    public override bool Equals(object? obj) => obj is Rational other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Numerator, Denominator);

    public override string ToString() => Denominator.IsOne ? Numerator.ToString() : $"{Numerator}/{Denominator}";
}
