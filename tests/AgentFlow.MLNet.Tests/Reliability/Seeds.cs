using CsCheck;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// Runs CsCheck properties deterministically: one seeded sample of <c>count</c> inputs (CsCheck would add random
/// samples after the seeded one), so every run checks the same inputs; a failure shrinks that array and prints it.
/// </summary>
internal static class Seeds
{
    /// <summary>Any CsCheck seed would do; this one is fixed so the suite repeats.</summary>
    internal const string Fixed = "5BYoB5fCEJw1";

    internal static void ForAll<T>(this Gen<T> gen, Action<T> property, int count) =>
        gen.Array[count].Sample(inputs =>
        {
            foreach (var input in inputs)
                property(input);
        }, seed: Fixed, iter: 1);
}
