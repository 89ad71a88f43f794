using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace AgentFlow.MLNet.Tools;

/// <summary>
/// The tools an agent may call, found by the name a model writes. Every call goes through
/// <see cref="InvokeAsync(string, JsonElement, CancellationToken)"/>, which turns whatever can go wrong
/// (an unknown name, unreadable arguments, an exception, a timeout) into a failed <see cref="ToolResult"/>
/// with the reason, caps the output, and measures the duration. Only the caller's own cancellation
/// propagates as an exception. The registry is immutable and safe to share across concurrent rollouts.
/// </summary>
public sealed class ToolRegistry
{
    /// <summary>The longest a .NET timer can wait (2^32 - 2 ms, about 49 days).</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly Dictionary<string, ITool> byKey;
    private readonly Dictionary<string, TimeSpan> timeouts;
    private readonly Dictionary<string, SemaphoreSlim> slots;
    private readonly ToolRegistryOptions options;

    /// <summary>Creates a registry of <paramref name="tools"/>, in the order their cards are rendered.</summary>
    /// <exception cref="ArgumentException">Two tools share a name, or a timeout is given for a tool that is not registered.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A timeout is not positive (or beyond 49 days), or <see cref="ToolRegistryOptions.MaxOutputCharacters"/> is below 200.</exception>
    public ToolRegistry(IEnumerable<ITool> tools, ToolRegistryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        this.options = options ?? new ToolRegistryOptions();
        if (this.options.MaxOutputCharacters < 200)
            throw new ArgumentOutOfRangeException(nameof(options), this.options.MaxOutputCharacters, $"{nameof(ToolRegistryOptions.MaxOutputCharacters)} must be at least 200.");
        RequirePositive(this.options.DefaultTimeout, nameof(ToolRegistryOptions.DefaultTimeout));

        Tools = [.. tools];
        byKey = new Dictionary<string, ITool>(StringComparer.Ordinal);
        foreach (var tool in Tools)
        {
            ArgumentNullException.ThrowIfNull(tool, nameof(tools));
            if (!byKey.TryAdd(ToolNames.Normalize(tool.Card.Name), tool))
                throw new ArgumentException($"Two tools are named '{tool.Card.Name}'.", nameof(tools));
        }

        timeouts = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (name, timeout) in this.options.Timeouts)
        {
            string key = ToolNames.Normalize(name);
            if (!byKey.ContainsKey(key))
                throw new ArgumentException($"A timeout is given for the tool '{name}', which is not registered.", nameof(options));
            RequirePositive(timeout, $"{nameof(ToolRegistryOptions.Timeouts)}[{name}]");
            timeouts[key] = timeout;
        }

        if (this.options.DefaultMaxConcurrentCalls <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), this.options.DefaultMaxConcurrentCalls, $"{nameof(ToolRegistryOptions.DefaultMaxConcurrentCalls)} must be positive.");
        var limits = byKey.Keys.ToDictionary(key => key, _ => this.options.DefaultMaxConcurrentCalls, StringComparer.Ordinal);
        foreach (var (name, limit) in this.options.MaxConcurrentCalls)
        {
            string key = ToolNames.Normalize(name);
            if (!byKey.ContainsKey(key))
                throw new ArgumentException($"A concurrency limit is given for the tool '{name}', which is not registered.", nameof(options));
            if (limit <= 0)
                throw new ArgumentOutOfRangeException(nameof(options), limit, $"{nameof(ToolRegistryOptions.MaxConcurrentCalls)}[{name}] must be positive.");
            limits[key] = limit;
        }
        slots = limits.ToDictionary(p => p.Key, p => new SemaphoreSlim(p.Value, p.Value), StringComparer.Ordinal);
    }

    /// <summary>The registered tools, in registration order.</summary>
    public IReadOnlyList<ITool> Tools { get; }

    /// <summary>The names of the registered tools, in registration order.</summary>
    public IEnumerable<string> Names => Tools.Select(tool => tool.Card.Name);

    /// <summary>Finds a tool by a model-written name: letter case is ignored and spaces count as underscores.</summary>
    public bool TryGet(string name, out ITool tool)
    {
        ArgumentNullException.ThrowIfNull(name);
        return byKey.TryGetValue(ToolNames.Normalize(name), out tool!);
    }

    /// <summary>The time a call to the named tool may take.</summary>
    /// <exception cref="ArgumentException">No tool has that name.</exception>
    public TimeSpan GetTimeout(string name) =>
        TryGet(name, out var tool)
            ? timeouts.GetValueOrDefault(ToolNames.Normalize(tool.Card.Name), options.DefaultTimeout)
            : throw new ArgumentException($"No tool is named '{name}'.", nameof(name));

    /// <summary>Every card rendered for a prompt, separated by blank lines.</summary>
    public string RenderCards() => string.Join("\n", Tools.Select(tool => tool.Card.Render()));

    /// <summary>Calls a tool with arguments written as JSON text; text that is not JSON is a failed result.</summary>
    /// <param name="name">The tool name as the model wrote it.</param>
    /// <param name="argumentsJson">The arguments as JSON text.</param>
    /// <param name="cancellationToken">Cancels the call; this alone is thrown rather than reported.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<ToolResult> InvokeAsync(string name, string argumentsJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(argumentsJson);
        JsonElement arguments;
        try
        {
            using var document = JsonDocument.Parse(argumentsJson);
            arguments = document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            return ValueTask.FromResult(ToolResult.Failure($"the arguments for '{name}' are not valid JSON: {exception.Message}"));
        }
        return InvokeAsync(name, arguments, cancellationToken);
    }

    /// <summary>Calls a tool by a model-written name.</summary>
    /// <param name="name">The tool name as the model wrote it.</param>
    /// <param name="arguments">The call's arguments.</param>
    /// <param name="cancellationToken">Cancels the call; this alone is thrown rather than reported.</param>
    /// <returns>
    /// The tool's result with its duration, output and error capped at <see cref="ToolRegistryOptions.MaxOutputCharacters"/>;
    /// a failed result for an unknown tool, an exception thrown by the tool, or a timeout.
    /// </returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<ToolResult> InvokeAsync(string name, JsonElement arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        if (!TryGet(name, out var tool))
            return ToolResult.Failure($"unknown tool '{name}'; available: {string.Join(", ", Names)}");

        TimeSpan timeout = GetTimeout(tool.Card.Name);
        var slot = slots[ToolNames.Normalize(tool.Card.Name)];
        await slot.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var clock = Stopwatch.StartNew();
            ToolResult result = await RunWithTimeoutAsync(tool, arguments, timeout, cancellationToken).ConfigureAwait(false);
            return Cap(result) with { Duration = clock.Elapsed };
        }
        finally
        {
            slot.Release();
        }
    }

    private static async Task<ToolResult> RunWithTimeoutAsync(ITool tool, JsonElement arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        // Task.Run and WaitAsync together bound the wait even for a tool that blocks its calling thread or
        // ignores its token: at the deadline the call is abandoned, not awaited.
        var call = Task.Run(() => tool.InvokeAsync(arguments, deadline.Token).AsTask(), CancellationToken.None);
        try
        {
            return await call.WaitAsync(timeout, cancellationToken).ConfigureAwait(false)
                ?? ToolResult.Failure($"the tool '{tool.Card.Name}' returned no result");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is TimeoutException || (exception is OperationCanceledException && deadline.IsCancellationRequested))
        {
            return ToolResult.Failure($"the tool '{tool.Card.Name}' timed out after {ToolText.Seconds(timeout)}");
        }
        catch (Exception exception)
        {
            return ToolResult.Failure($"the tool '{tool.Card.Name}' failed: {Describe(exception)}");
        }
        finally
        {
            if (!call.IsCompleted)
                Abandon(call, deadline);
        }
    }

    /// <summary>
    /// Tells a call that is no longer awaited to stop. WaitAsync can give up a moment before the deadline's own
    /// timer fires, and disposing the source would then stop that timer, so the token is cancelled here. The
    /// call's later failure, if any, is observed so it cannot surface as an unobserved task exception.
    /// </summary>
    private static void Abandon(Task<ToolResult> call, CancellationTokenSource deadline)
    {
        _ = call.ContinueWith(static task => task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        try
        {
            deadline.Cancel();
        }
        catch (AggregateException)
        {
            // A tool's cancellation callback threw; the call is abandoned either way.
        }
    }

    private static string Describe(Exception exception)
    {
        var text = new StringBuilder($"{exception.GetType().Name}: {exception.Message}");
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
            text.Append(" (").Append(inner.GetType().Name).Append(": ").Append(inner.Message).Append(')');
        return text.ToString();
    }

    private ToolResult Cap(ToolResult result)
    {
        string output = ToolText.Truncate(result.Output, options.MaxOutputCharacters, out bool outputCut);
        string error = ToolText.Truncate(result.Error, options.MaxOutputCharacters, out bool errorCut);
        return result with { Output = output, Error = error, Truncated = result.Truncated || outputCut || errorCut };
    }

    private static void RequirePositive(TimeSpan timeout, string name)
    {
        if (timeout <= TimeSpan.Zero || timeout > MaxTimeout)
            throw new ArgumentOutOfRangeException(name, timeout, $"A tool timeout must be positive and at most {MaxTimeout.TotalDays:0} days.");
    }
}
