using System.Globalization;

namespace AgentFlow.MLNet.Rewards;

/// <summary>A number read from an answer; <paramref name="IsPercent"/> when it was written with a % sign (the value is then the number before it).</summary>
internal readonly record struct NumericAnswer(double Value, bool IsPercent)
{
    /// <summary>The values the answer may mean: "12%" is 12 or 0.12, since golds are written either way.</summary>
    internal IEnumerable<double> Readings => IsPercent ? [Value, Value / 100] : [Value];

    /// <inheritdoc />
    public override string ToString() =>
        Value.ToString("R", CultureInfo.InvariantCulture) + (IsPercent ? "%" : "");
}
