namespace AgentFlow.MLNet.Tools.Python;

/// <summary>The independent layers a sandboxed run can be put behind.</summary>
[Flags]
internal enum PythonSandboxLayers
{
    /// <summary>No layer: only the resource limits and the cleared environment.</summary>
    None = 0,

    /// <summary>Bubblewrap's namespaces, mounts and tmpfs (when the host allows them).</summary>
    Namespaces = 1,

    /// <summary>The seccomp filter (<see cref="SyscallFilter"/>), installed by bubblewrap.</summary>
    SyscallFilter = 2,

    /// <summary>The audit-hook guard of <c>sandbox_bootstrap.py</c>.</summary>
    AuditGuard = 4,

    /// <summary>Every layer.</summary>
    All = Namespaces | SyscallFilter | AuditGuard,
}
