using AgentFlow.MLNet.Tools.Python;

namespace AgentFlow.MLNet.Tests.Tools.Python;

/// <summary>Whether this host runs python scripts inside bubblewrap; tests of the kernel boundary skip, saying why, where not.</summary>
internal static class BubblewrapHost
{
    private static readonly Lazy<string?> SkipReason = new(() =>
    {
        var sandbox = PythonSandboxCapabilities.DetectAsync().GetAwaiter().GetResult();
        return sandbox.Mode == PythonSandboxMode.Bubblewrap ? null : $"no bubblewrap sandbox on this host: {sandbox.Reason}";
    });

    internal static string? Skip => SkipReason.Value;
}

/// <summary>A fact about the bubblewrap sandbox, skipped with the reason on hosts that cannot provide it.</summary>
public sealed class BubblewrapFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the host has no bubblewrap sandbox.</summary>
    public BubblewrapFactAttribute() => Skip = BubblewrapHost.Skip;
}

/// <summary>A theory about the bubblewrap sandbox, skipped with the reason on hosts that cannot provide it.</summary>
public sealed class BubblewrapTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the host has no bubblewrap sandbox.</summary>
    public BubblewrapTheoryAttribute() => Skip = BubblewrapHost.Skip;
}
