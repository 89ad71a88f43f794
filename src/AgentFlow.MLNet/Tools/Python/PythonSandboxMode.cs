namespace AgentFlow.MLNet.Tools.Python;

/// <summary>How the python tool runs scripts on this host (see <see cref="PythonSandboxCapabilities"/>).</summary>
public enum PythonSandboxMode
{
    /// <summary>The tool does not run scripts: no interpreter, or no kernel boundary and guard-only mode not allowed.</summary>
    Disabled,

    /// <summary>Under the resource limits and the in-process audit-hook guard only: not a security boundary.</summary>
    GuardOnly,

    /// <summary>Inside bubblewrap: namespaces, a seccomp filter and a capped tmpfs, with the guard as a second layer.</summary>
    Bubblewrap,
}
