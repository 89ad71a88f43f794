using System.Text.Json;
using AgentFlow.MLNet.Tools.Python;
using BenchmarkDotNet.Attributes;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// What the kernel boundary costs on every python tool call: one small script run inside bubblewrap (namespaces,
/// mounts, seccomp filter, tmpfs) against the same run under the guard alone (same interpreter, bootstrap and
/// limits). Both include the interpreter's start, which is most of a call.
/// </summary>
// Min and median next to the mean: on a machine shared with builds, the fastest runs show the intrinsic cost.
[MemoryDiagnoser, MinColumn, MedianColumn]
public class PythonSandboxBenchmarks
{
    private static readonly JsonElement Script = JsonSerializer.SerializeToElement(new { code = "print(sum(range(1000)))" });

    private PythonTool _tool = null!;

    /// <summary>bubblewrap: the default on Linux; guard-only: bubblewrap made unavailable, guard-only mode allowed.</summary>
    [Params("bubblewrap", "guard-only")]
    public string Sandbox { get; set; } = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var options = Sandbox == "bubblewrap"
            ? new PythonToolOptions()
            : new PythonToolOptions { Bubblewrap = "/nonexistent/bwrap", AllowGuardOnly = true };
        _tool = new PythonTool(options);
        var mode = (await _tool.GetSandboxAsync()).Mode;
        var expected = Sandbox == "bubblewrap" ? PythonSandboxMode.Bubblewrap : PythonSandboxMode.GuardOnly;
        if (mode != expected)
            throw new InvalidOperationException($"The python tool runs in {mode} mode here, not {expected}: {(await _tool.GetSandboxAsync()).Summary}");
    }

    [Benchmark]
    public async Task<string> SmallScript()
    {
        var result = await _tool.InvokeAsync(Script);
        return result.Succeeded ? result.Output : throw new InvalidOperationException(result.Error);
    }
}
