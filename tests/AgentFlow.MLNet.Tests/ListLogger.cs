using Microsoft.Extensions.Logging;

namespace AgentFlow.MLNet.Tests;

/// <summary>Keeps the warnings it is given, for tests that a component warns (and of what).</summary>
internal sealed class ListLogger : ILogger
{
    internal List<string> Warnings { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel == LogLevel.Warning)
        {
            lock (Warnings)
                Warnings.Add(formatter(state, exception));
        }
    }
}
