namespace QuickStart;

/// <summary>Reports on the caller's thread, in order (<see cref="Progress{T}"/> posts to the thread pool, which can reorder steps).</summary>
internal sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
