using System.Collections.Concurrent;
using System.Diagnostics;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// Starts processes from one thread that lives as long as this process. Bubblewrap's <c>--die-with-parent</c>
/// rests on the kernel's parent-death signal, which fires when the <em>thread</em> that started the child
/// ends, not the process; a thread-pool thread that retires while a run is under way would kill that run.
/// </summary>
internal static class ProcessLauncher
{
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> Pending = CreateQueue();

    /// <summary>Starts <paramref name="process"/> (its <see cref="Process.StartInfo"/> set) on the launcher thread.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    internal static Task StartAsync(Process process)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pending.Add((process, started));
        return started.Task;
    }

    private static BlockingCollection<(Process, TaskCompletionSource)> CreateQueue()
    {
        var queue = new BlockingCollection<(Process, TaskCompletionSource)>();
        new Thread(() => Serve(queue)) { IsBackground = true, Name = "AgentFlow python launcher" }.Start();
        return queue;
    }

    private static void Serve(BlockingCollection<(Process, TaskCompletionSource)> queue)
    {
        foreach (var (process, started) in queue.GetConsumingEnumerable())
        {
            try
            {
                process.Start();
                started.SetResult();
            }
            catch (Exception exception)
            {
                // Handed to the caller, which observes it as the failure of its own Start.
                started.SetException(exception);
            }
        }
    }
}
