using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace AgentFlow.MLNet.Native;

/// <summary>
/// Makes TorchSharp's native bridge load on Linux distributions whose libstdc++ is older than the one
/// it was built with (Debian 12, Ubuntu 22.04, RHEL 9).
/// </summary>
/// <remarks>
/// <para>
/// <c>libLibTorchSharp.so</c> from TorchSharp 0.107 requires <c>GLIBCXX_3.4.32</c> (GCC 13's libstdc++) for
/// exactly one symbol, <c>_ZSt21ios_base_library_initv</c>, which GCC 13 references only to pull in the
/// iostream initialiser and never calls. Older libstdc++ builds run that initialiser themselves, so the
/// requirement can be marked weak (<c>VER_FLG_WEAK</c>) and the library then loads and works.
/// </para>
/// <para>
/// The fix runs once per process, before the first TorchSharp call made through this library (a module
/// initialiser), and only when the process's libstdc++ lacks the version. It patches every copy
/// TorchSharp may load beside the application — the <c>runtimes/&lt;rid&gt;/native</c> folder, the
/// application folder, and TorchSharp's consolidated <c>cpu/</c> and <c>cuda-*/</c> folders — by writing a
/// new file and renaming it over the old one. Files inside a NuGet package folder and system files are
/// never modified. Set <c>AGENTFLOW_NATIVE_FIXUP=0</c> to switch it off.
/// </para>
/// </remarks>
public static class TorchSharpNativeFixup
{
    /// <summary>The libstdc++ symbol version that TorchSharp 0.107's native bridge requires but never uses.</summary>
    public const string RequiredVersion = "GLIBCXX_3.4.32";

    /// <summary>Environment variable that switches the fix-up off when set to <c>0</c>.</summary>
    public const string SwitchVariable = "AGENTFLOW_NATIVE_FIXUP";

    internal const string Dependency = "libstdc++.so.6";
    internal const string BridgeFileName = "libLibTorchSharp.so";

    /// <summary>The only symbols allowed to be bound to <see cref="RequiredVersion"/> for the patch to be safe.</summary>
    internal static readonly IReadOnlySet<string> UnusedSymbols = new HashSet<string>(StringComparer.Ordinal) { "_ZSt21ios_base_library_initv" };

    private static readonly Lazy<TorchSharpNativeReport> Report = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Applies the fix-up if this process needs it (once) and says what was done.</summary>
    public static TorchSharpNativeReport EnsureApplied() => Report.Value;

    /// <summary>
    /// Applies the fix-up and initialises TorchSharp's CPU backend, throwing an error that includes the
    /// fix-up report when the native libraries still cannot be loaded.
    /// </summary>
    public static void EnsureTorchLoaded()
    {
        var report = EnsureApplied();
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is NotSupportedException or TypeInitializationException or DllNotFoundException)
        {
            throw new InvalidOperationException($"TorchSharp's native libraries could not be loaded. {report}", e);
        }
    }

    // Runs when this assembly is first used, so every TorchSharp call made through it finds a loadable bridge.
#pragma warning disable CA2255 // A module initialiser is the one place that runs before any of our torch calls.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void InitializeModule() => _ = EnsureApplied();

    private static TorchSharpNativeReport Apply()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(SwitchVariable) == "0")
            return new TorchSharpNativeReport { Applicable = false };
        try
        {
            string? libStdCxx = LocateLibStdCxx();
            if (libStdCxx is null)
                return new TorchSharpNativeReport { Applicable = true, Problems = ["no libstdc++ is loaded or loadable in this process"] };
            return Apply(libStdCxx, ElfImage.Load(libStdCxx).Definitions, CandidateDirectories());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new TorchSharpNativeReport { Applicable = true, Problems = [e.Message] };
        }
    }

    /// <summary>
    /// The fix-up itself, for a given libstdc++ (its path and the versions it defines) and the folders to
    /// search for copies of the bridge. Separate from process discovery so it can be tested on copies.
    /// </summary>
    internal static TorchSharpNativeReport Apply(string libStdCxxPath, IReadOnlyCollection<string> definedVersions, IEnumerable<string> directories)
    {
        var report = new TorchSharpNativeReport { Applicable = true, LibStdCxxPath = libStdCxxPath };
        if (definedVersions.Contains(RequiredVersion))
            return report;

        var patched = new List<string>();
        var unchanged = new List<string>();
        var problems = new List<string>();
        foreach (string directory in directories.Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Distinct(StringComparer.Ordinal))
        {
            string bridge = Path.Combine(directory, BridgeFileName);
            if (!File.Exists(bridge))
                continue;
            if (IsInsideNuGetPackage(directory))
            {
                problems.Add($"{bridge}: inside a NuGet package folder, which is never modified; reference TorchSharp from an application so its natives are copied beside it");
                continue;
            }
            try
            {
                var missing = MissingVersions(bridge, definedVersions);
                if (missing.Any(v => v != RequiredVersion))
                {
                    problems.Add($"{bridge}: {libStdCxxPath} lacks {string.Join(", ", missing)}; only {RequiredVersion} is safe to relax, so install a newer libstdc++6");
                    continue;
                }
                var outcome = ElfVersionPatcher.MakeRequirementWeak(bridge, Dependency, RequiredVersion, UnusedSymbols);
                (outcome == WeakPatchOutcome.Patched ? patched : unchanged).Add(bridge);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException)
            {
                problems.Add($"{bridge}: {e.Message}");
            }
        }
        return report with { FixNeeded = true, Patched = patched, Unchanged = unchanged, Problems = problems };
    }

    /// <summary>The libstdc++ versions the bridge requires (not weakly) that <paramref name="definedVersions"/> lacks.</summary>
    private static List<string> MissingVersions(string bridge, IReadOnlyCollection<string> definedVersions) =>
        ElfImage.Load(bridge).Requirements
            .Where(r => r.File == Dependency && !r.IsWeak && !definedVersions.Contains(r.Version))
            .Select(r => r.Version)
            .ToList();

    /// <summary>The libstdc++ the process uses: the one already mapped (the .NET runtime links it), else the one dlopen finds.</summary>
    private static string? LocateLibStdCxx()
    {
        string? path = ProcessMappings.FindLoaded("libstdc++.so");
        if (path is null && NativeLibrary.TryLoad(Dependency, out _))
            path = ProcessMappings.FindLoaded("libstdc++.so");
        return path;
    }

    /// <summary>Every folder from which TorchSharp (or the .NET host on its behalf) may load the bridge.</summary>
    private static IEnumerable<string> CandidateDirectories()
    {
        string rid = $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
        var roots = new List<string> { AppContext.BaseDirectory };
        if (Path.GetDirectoryName(typeof(torch).Assembly.Location) is { Length: > 0 } torchSharpFolder)
            roots.Add(torchSharpFolder);

        foreach (string root in roots.Where(Directory.Exists))
        {
            yield return root;
            yield return Path.Combine(root, "runtimes", rid, "native");
            yield return Path.Combine(root, "cpu");
            foreach (string cuda in Directory.EnumerateDirectories(root, "cuda-*"))
                yield return cuda;
        }
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchPath)
        {
            foreach (string directory in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                yield return directory;
        }
    }

    /// <summary>True when <paramref name="directory"/> lies inside an extracted NuGet package (which holds a .nupkg.metadata file).</summary>
    internal static bool IsInsideNuGetPackage(string directory)
    {
        for (var folder = new DirectoryInfo(directory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, ".nupkg.metadata")))
                return true;
        }
        return false;
    }
}
