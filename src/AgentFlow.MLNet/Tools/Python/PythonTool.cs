using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// <c>python</c>: runs a model-written Python 3 script in a separate, limited process and returns what it
/// prints. On Linux with bubblewrap each run is behind a kernel boundary; elsewhere the tool is off unless
/// <see cref="PythonToolOptions.AllowGuardOnly"/> is set (see <see cref="PythonSandboxCapabilities"/> for what is
/// and is not contained). The interpreter and the sandbox are detected once per process, on first use; when the
/// tool cannot run, it answers every call with a failure that says why.
/// </summary>
public sealed class PythonTool : ITool
{
    private int _reported;

    /// <summary>Creates the tool; the interpreter and the sandbox are looked for on first use.</summary>
    /// <exception cref="ArgumentException">The interpreter or bubblewrap is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its documented range.</exception>
    public PythonTool(PythonToolOptions? options = null)
    {
        Options = options ?? new PythonToolOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(Options.Interpreter, nameof(PythonToolOptions) + "." + nameof(PythonToolOptions.Interpreter));
        ArgumentException.ThrowIfNullOrWhiteSpace(Options.Bubblewrap, nameof(PythonToolOptions) + "." + nameof(PythonToolOptions.Bubblewrap));
        if (Options.Timeout <= TimeSpan.Zero || Options.Timeout > TimeSpan.FromDays(1))
            throw new ArgumentOutOfRangeException(nameof(options), Options.Timeout, $"{nameof(PythonToolOptions.Timeout)} must be positive and at most a day.");
        if (Options.MemoryLimitBytes < 64L << 20)
            throw new ArgumentOutOfRangeException(nameof(options), Options.MemoryLimitBytes, $"{nameof(PythonToolOptions.MemoryLimitBytes)} must be at least 64 MiB.");
        if (Options.MaxFileBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(options), Options.MaxFileBytes, $"{nameof(PythonToolOptions.MaxFileBytes)} must not be negative.");
        if (Options.MaxWorkingFolderBytes < 1L << 20)
            throw new ArgumentOutOfRangeException(nameof(options), Options.MaxWorkingFolderBytes, $"{nameof(PythonToolOptions.MaxWorkingFolderBytes)} must be at least 1 MiB.");
        if (Options.MaxOutputBytes < 1024)
            throw new ArgumentOutOfRangeException(nameof(options), Options.MaxOutputBytes, $"{nameof(PythonToolOptions.MaxOutputBytes)} must be at least 1 KiB.");
        Card = CreateCard(Options);
    }

    /// <summary>The interpreter, the sandbox and the limits of every run.</summary>
    public PythonToolOptions Options { get; }

    /// <inheritdoc />
    public ToolCard Card { get; }

    /// <summary>Whether the tool runs scripts on this host: an interpreter was found and a sandbox mode is allowed.</summary>
    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default) =>
        (await GetSandboxAsync(cancellationToken).ConfigureAwait(false)).Mode != PythonSandboxMode.Disabled;

    /// <summary>
    /// How this tool runs scripts on this host, and what that enforces (detected once per process; the first call
    /// of each tool also writes <see cref="PythonSandboxCapabilities.Summary"/> to <see cref="PythonToolOptions.Logger"/>).
    /// </summary>
    public async Task<PythonSandboxCapabilities> GetSandboxAsync(CancellationToken cancellationToken = default)
    {
        var sandbox = await PythonSandboxCapabilities.DetectAsync(Options, cancellationToken).ConfigureAwait(false);
        if (Options.Logger is { } logger && Interlocked.Exchange(ref _reported, 1) == 0)
            logger.Log(sandbox.Mode == PythonSandboxMode.Bubblewrap ? LogLevel.Information : LogLevel.Warning, "{PythonSandbox}", sandbox.Summary);
        return sandbox;
    }

    /// <inheritdoc />
    public async ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!ToolArguments.TryGetString(arguments, "code", out string? code, out string error))
            return ToolResult.Failure(error);
        var sandbox = await GetSandboxAsync(cancellationToken).ConfigureAwait(false);
        if (sandbox.Mode == PythonSandboxMode.Disabled)
            return ToolResult.Failure($"the python tool is disabled: {sandbox.WhyDisabled}");

        var bubblewrap = Options.Layers.HasFlag(PythonSandboxLayers.Namespaces) ? sandbox.Host.Bubblewrap : null;
        var run = await PythonSandbox.RunAsync(sandbox.Host.Python, bubblewrap, PythonCode.Unfence(code), Options, cancellationToken).ConfigureAwait(false);
        return ToResult(run, Options.Timeout) with { Truncated = run.Truncated };
    }

    private static ToolResult ToResult(PythonRun run, TimeSpan timeout)
    {
        if (run.TimedOut)
            return ToolResult.Failure(Join($"timed out after {ToolText.Seconds(timeout)}; the process was killed", run.Stderr), run.Stdout);
        if (run.ExitCode == 0)
            return ToolResult.Success(run.Stderr.Length == 0 ? run.Stdout : Join(run.Stdout, "[stderr]\n" + run.Stderr));
        // Shells report death by signal N as 128 + N; a script can also exit with such a code itself.
        string exit = run.ExitCode is > 128 and <= 128 + 64 ? $"exit code {run.ExitCode} (ended by signal {run.ExitCode - 128}, or the script's own exit code)" : $"exit code {run.ExitCode}";
        return ToolResult.Failure(run.Stderr.Length == 0 ? exit : run.Stderr, run.Stdout);
    }

    private static string Join(string first, string second) =>
        first.Length == 0 ? second : second.Length == 0 ? first : new StringBuilder(first.TrimEnd('\n')).Append('\n').Append(second).ToString();

    private static ToolCard CreateCard(PythonToolOptions options) => new()
    {
        Name = "python",
        Description = "Runs a self-contained Python 3 script and returns what it prints. Use it for calculations, " +
                      "loops, exact big-integer or fraction arithmetic, combinatorics and data manipulation.",
        InputSchema = """
            {"type": "object",
             "properties": {"code": {"type": "string", "description": "A complete Python 3 script that prints its results"}},
             "required": ["code"]}
            """,
        OutputDescription = "What the script printed (and the value of a final bare expression), or its traceback.",
        Demos =
        [
            new("""{"code": "from math import comb\nprint('ways:', comb(10, 3))"}""", "ways: 120"),
            new("""{"code": "primes = [n for n in range(2, 50) if all(n % d for d in range(2, n))]\nsum(primes)"}""", "328"),
        ],
        Limitations =
        [
            $"Each run is fresh and stops after {ToolText.Seconds(options.Timeout)} and {options.MemoryLimitBytes >> 20} MiB of memory; nothing is kept between calls.",
            $"It runs in a sandbox: no network, no other programs or processes, no input(); files can be written only in a scratch folder of at most {options.MaxWorkingFolderBytes >> 20} MiB, deleted after the run.",
            "The standard library only, unless packages are installed system-wide.",
        ],
        BestPractices =
        [
            "Print every result you need, with a label.",
            "Put all data the script needs into the script itself.",
            "Use integers or fractions.Fraction when the answer must be exact.",
        ],
    };
}
