namespace AgentFlow.MLNet.Tools.Python;

/// <summary>How one sandboxed script run ended.</summary>
/// <param name="ExitCode">The process's exit code; 128 + N when signal N ended it.</param>
/// <param name="Stdout">What the script printed, capped.</param>
/// <param name="Stderr">Its error output (tracebacks), capped.</param>
/// <param name="TimedOut">Whether the run hit its time limit and was killed.</param>
/// <param name="Truncated">Whether output was dropped to respect the cap.</param>
internal sealed record PythonRun(int ExitCode, string Stdout, string Stderr, bool TimedOut, bool Truncated);
