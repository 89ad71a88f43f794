using System.Text;

namespace AgentFlow.MLNet.Native;

/// <summary>What <see cref="TorchSharpNativeFixup"/> found and did in this process.</summary>
public sealed record TorchSharpNativeReport
{
    /// <summary>True when the fix-up ran: Linux, and not switched off by the environment.</summary>
    public bool Applicable { get; init; }

    /// <summary>The libstdc++ this process uses, when it could be found.</summary>
    public string? LibStdCxxPath { get; init; }

    /// <summary>True when that libstdc++ lacks <see cref="TorchSharpNativeFixup.RequiredVersion"/>, so copies needed patching.</summary>
    public bool FixNeeded { get; init; }

    /// <summary>Copies of <c>libLibTorchSharp.so</c> this process patched.</summary>
    public IReadOnlyList<string> Patched { get; init; } = [];

    /// <summary>Copies that were already patched (by an earlier run) or needed nothing.</summary>
    public IReadOnlyList<string> Unchanged { get; init; } = [];

    /// <summary>Copies left alone or that could not be fixed, each with the reason.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <inheritdoc />
    public override string ToString()
    {
        if (!Applicable)
            return "TorchSharp native fix-up: not applicable (not Linux, or disabled by AGENTFLOW_NATIVE_FIXUP=0).";
        var text = new StringBuilder()
            .Append("TorchSharp native fix-up: libstdc++ ").Append(LibStdCxxPath ?? "(not found)")
            .Append(FixNeeded ? $" lacks {TorchSharpNativeFixup.RequiredVersion}; " : $" provides {TorchSharpNativeFixup.RequiredVersion}; nothing to do.");
        if (FixNeeded)
            text.Append($"patched {Patched.Count}, unchanged {Unchanged.Count}.");
        foreach (string path in Patched)
            text.Append("\n  patched: ").Append(path);
        foreach (string problem in Problems)
            text.Append("\n  problem: ").Append(problem);
        return text.ToString();
    }
}
