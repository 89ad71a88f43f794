using System.Runtime.InteropServices;

namespace AgentFlow.Cli.Serve;

/// <summary>
/// Keeps a long-running server's resident memory at what it uses rather than at its peak. glibc's malloc raises its
/// mmap threshold each time a large block is freed (up to 32 MiB) and then serves blocks of that size from arenas it
/// trims only above twice the threshold; libtorch frees and reallocates tensors of a new size at every decode step
/// (the batch changes shape as requests join and leave), so under load the server's resident memory climbed by a
/// quarter and stayed there. A fixed threshold keeps large tensors in their own mappings, returned when freed.
/// </summary>
internal static class GlibcMalloc
{
    private const int MmapThresholdOption = -3;   // M_MMAP_THRESHOLD in malloc.h

    /// <summary>
    /// The fixed threshold: measured under serve's load test (perf/README.md), 4 MiB kept the resident memory flat at
    /// the throughput of the default, where 128 KiB (glibc's starting value) halved the throughput.
    /// </summary>
    internal const int MmapThreshold = 4 * 1024 * 1024;

    /// <summary>
    /// Fixes the mmap threshold unless the user set glibc's own variables; does nothing where the C library is not
    /// glibc. Returns whether it was set.
    /// </summary>
    internal static bool FixMmapThreshold()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is { } tunables && tunables.Contains("glibc.malloc.", StringComparison.Ordinal))
            return false;
        try
        {
            return MallOpt(MmapThresholdOption, MmapThreshold) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;   // musl and other C libraries: their allocators do not ratchet this way
        }
    }

    // DllImport rather than LibraryImport, whose generated marshalling needs unsafe code this project does not allow; two ints need none.
    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int MallOpt(int option, int value);
}
