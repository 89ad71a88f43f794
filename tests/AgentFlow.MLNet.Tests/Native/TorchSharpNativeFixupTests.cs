using System.Runtime.InteropServices;
using AgentFlow.MLNet.Native;

namespace AgentFlow.MLNet.Tests.Native;

// The fix-up and the files it edits exist on Linux only.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TorchSharpNativeFixupTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The libstdc++ versions the bridge needs, optionally minus some: a stand-in for an older libstdc++.</summary>
    private static List<string> LibStdCxxVersionsWithout(params string[] lacking) =>
        ElfImage.Load(BridgeFiles.Original).Requirements
            .Where(r => r.File == TorchSharpNativeFixup.Dependency && !lacking.Contains(r.Version))
            .Select(r => r.Version)
            .ToList();

    [Fact]
    public void AnOldLibStdCxxGetsEveryApplicationCopyPatchedAndPackageFoldersLeftAlone()
    {
        string app = Path.Combine(_temp.Path, "app");
        string appCopy = BridgeFiles.CopyTo(app);
        string nativeCopy = BridgeFiles.CopyTo(Path.Combine(app, "runtimes", "linux-x64", "native"));
        string consolidatedCopy = BridgeFiles.CopyTo(Path.Combine(app, "cpu"));
        string package = Path.Combine(_temp.Path, "packages", "torchsharp", "0.107.0");
        Directory.CreateDirectory(package);
        File.WriteAllText(Path.Combine(package, ".nupkg.metadata"), "{}");
        string packageCopy = BridgeFiles.CopyTo(Path.Combine(package, "runtimes", "linux-x64", "native"));

        var report = TorchSharpNativeFixup.Apply("/old/libstdc++.so.6", LibStdCxxVersionsWithout(TorchSharpNativeFixup.RequiredVersion),
            [app, app + "/", Path.GetDirectoryName(nativeCopy)!, Path.GetDirectoryName(consolidatedCopy)!, Path.GetDirectoryName(packageCopy)!, Path.Combine(app, "missing")]);

        Assert.True(report.FixNeeded);
        Assert.Equal([appCopy, nativeCopy, consolidatedCopy], report.Patched);
        Assert.All(report.Patched, path => Assert.True(RequirementIsWeak(path)));
        var problem = Assert.Single(report.Problems);
        Assert.Contains(packageCopy, problem);
        Assert.Contains("NuGet package", problem);
        Assert.Equal(File.ReadAllBytes(BridgeFiles.Original), File.ReadAllBytes(packageCopy));
    }

    [Fact]
    public void ASecondRunFindsTheCopiesAlreadyPatched()
    {
        string app = Path.Combine(_temp.Path, "app");
        string copy = BridgeFiles.CopyTo(app);
        var versions = LibStdCxxVersionsWithout(TorchSharpNativeFixup.RequiredVersion);
        TorchSharpNativeFixup.Apply("/old/libstdc++.so.6", versions, [app]);

        var second = TorchSharpNativeFixup.Apply("/old/libstdc++.so.6", versions, [app]);

        Assert.Empty(second.Patched);
        Assert.Equal([copy], second.Unchanged);
    }

    [Fact]
    public void ALibStdCxxThatHasTheVersionLeavesEveryCopyUntouched()
    {
        string app = Path.Combine(_temp.Path, "app");
        string copy = BridgeFiles.CopyTo(app);

        var report = TorchSharpNativeFixup.Apply("/new/libstdc++.so.6", LibStdCxxVersionsWithout(), [app]);

        Assert.False(report.FixNeeded);
        Assert.Empty(report.Patched);
        Assert.Equal(File.ReadAllBytes(BridgeFiles.Original), File.ReadAllBytes(copy));
    }

    [Fact]
    public void ALibStdCxxMissingOtherVersionsIsReportedInsteadOfPatched()
    {
        string app = Path.Combine(_temp.Path, "app");
        string copy = BridgeFiles.CopyTo(app);

        var report = TorchSharpNativeFixup.Apply("/ancient/libstdc++.so.6",
            LibStdCxxVersionsWithout(TorchSharpNativeFixup.RequiredVersion, "GLIBCXX_3.4.26"), [app]);

        var problem = Assert.Single(report.Problems);
        Assert.Contains("GLIBCXX_3.4.26", problem);
        Assert.Contains("/ancient/libstdc++.so.6", problem);
        Assert.Empty(report.Patched);
        Assert.Equal(File.ReadAllBytes(BridgeFiles.Original), File.ReadAllBytes(copy));
    }

    [Fact]
    public void TheBridgeThisProcessLoadedIsPatchedExactlyWhenItsLibStdCxxLacksTheVersion()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        var report = TorchSharpNativeFixup.EnsureApplied();

        Assert.True(report.Applicable);
        Assert.Empty(report.Problems);
        string libStdCxx = ProcessMappings.FindLoaded("libstdc++.so")!;
        Assert.Equal(libStdCxx, report.LibStdCxxPath);
        bool lacksVersion = !ElfImage.Load(libStdCxx).Definitions.Contains(TorchSharpNativeFixup.RequiredVersion);
        Assert.Equal(lacksVersion, report.FixNeeded);
        string loadedBridge = ProcessMappings.FindLoaded(TorchSharpNativeFixup.BridgeFileName)!;
        Assert.Equal(lacksVersion, RequirementIsWeak(loadedBridge));
    }

    [Fact]
    public void AnUnpatchedBridgeLoadsOnlyWhereLibStdCxxProvidesTheVersion()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded(); // libtorch's own libraries are then resolved by soname
        string copy = BridgeFiles.CopyTo(_temp.Path);
        bool libStdCxxHasVersion = ElfImage.Load(ProcessMappings.FindLoaded("libstdc++.so")!).Definitions.Contains(TorchSharpNativeFixup.RequiredVersion);

        bool loaded = NativeLibrary.TryLoad(copy, out _);

        Assert.Equal(libStdCxxHasVersion, loaded);
    }

    private static bool RequirementIsWeak(string path) =>
        ElfImage.Load(path).Requirements.Single(r => r.Version == TorchSharpNativeFixup.RequiredVersion).IsWeak;
}
