using AgentFlow.MLNet.Native;

namespace AgentFlow.MLNet.Tests.Native;

// The fix-up and the files it edits exist on Linux only.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ElfVersionPatcherTests : IDisposable
{
    private const string Version = TorchSharpNativeFixup.RequiredVersion;
    private const string LibStdCxx = TorchSharpNativeFixup.Dependency;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RealBridgeRequiresGlibcxx3432ForTheIostreamInitialiserAlone()
    {
        var image = ElfImage.Load(BridgeFiles.Original);

        var requirement = Assert.Single(image.Requirements, r => r.File == LibStdCxx && r.Version == Version);
        Assert.False(requirement.IsWeak);
        Assert.Equal(["_ZSt21ios_base_library_initv"], image.SymbolsBoundTo(requirement.Index));
    }

    [Fact]
    public void PatchSetsTheWeakBitOfThatRequirementAndChangesNothingElse()
    {
        string copy = BridgeFiles.CopyTo(_temp.Path);
        byte[] before = File.ReadAllBytes(copy);
        var requirementsBefore = ElfImage.Load(copy).Requirements;

        var outcome = ElfVersionPatcher.MakeRequirementWeak(copy, LibStdCxx, Version, TorchSharpNativeFixup.UnusedSymbols);

        Assert.Equal(WeakPatchOutcome.Patched, outcome);
        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        var target = requirementsBefore.Single(r => r.Version == Version);
        Assert.Equal([target.FlagsOffset], changed.Select(i => (long)i));
        Assert.Equal(before[target.FlagsOffset] | ElfImage.VersionFlagWeak, after[target.FlagsOffset]);

        var requirementsAfter = ElfImage.Load(copy).Requirements;
        Assert.True(requirementsAfter.Single(r => r.Version == Version).IsWeak);
        Assert.Equal(
            requirementsBefore.Where(r => r.Version != Version),
            requirementsAfter.Where(r => r.Version != Version));
    }

    [Fact]
    public void PatchKeepsTheFileMode()
    {
        string copy = BridgeFiles.CopyTo(_temp.Path);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead;
        File.SetUnixFileMode(copy, mode);

        ElfVersionPatcher.MakeRequirementWeak(copy, LibStdCxx, Version, TorchSharpNativeFixup.UnusedSymbols);

        Assert.Equal(mode, File.GetUnixFileMode(copy));
        Assert.Single(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void PatchingTwiceLeavesTheFileAsTheFirstPatchMadeIt()
    {
        string copy = BridgeFiles.CopyTo(_temp.Path);
        ElfVersionPatcher.MakeRequirementWeak(copy, LibStdCxx, Version, TorchSharpNativeFixup.UnusedSymbols);
        byte[] once = File.ReadAllBytes(copy);

        var outcome = ElfVersionPatcher.MakeRequirementWeak(copy, LibStdCxx, Version, TorchSharpNativeFixup.UnusedSymbols);

        Assert.Equal(WeakPatchOutcome.AlreadyWeak, outcome);
        Assert.Equal(once, File.ReadAllBytes(copy));
    }

    [Fact]
    public void AVersionTheFileDoesNotRequireIsLeftAlone()
    {
        string copy = BridgeFiles.CopyTo(_temp.Path);

        var outcome = ElfVersionPatcher.MakeRequirementWeak(copy, LibStdCxx, "GLIBCXX_9.9.9", TorchSharpNativeFixup.UnusedSymbols);

        Assert.Equal(WeakPatchOutcome.NotRequired, outcome);
        Assert.Equal(File.ReadAllBytes(BridgeFiles.Original), File.ReadAllBytes(copy));
    }

    [Fact]
    public void PatchIsRefusedWhenTheVersionBindsASymbolThatMayBeCalled()
    {
        string copy = BridgeFiles.CopyTo(_temp.Path);

        var error = Assert.Throws<InvalidOperationException>(
            () => ElfVersionPatcher.MakeRequirementWeak(copy, LibStdCxx, Version, new HashSet<string>()));

        Assert.Contains("_ZSt21ios_base_library_initv", error.Message);
        Assert.Equal(File.ReadAllBytes(BridgeFiles.Original), File.ReadAllBytes(copy));
    }

    [Fact]
    public void AFileThatIsNotElfIsRejectedByName()
    {
        string path = Path.Combine(_temp.Path, "notes.txt");
        File.WriteAllText(path, "this is plain text, long enough to hold an ELF header but it is not one at all.");

        var error = Assert.Throws<InvalidDataException>(() => ElfImage.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("magic", error.Message);
    }

    [Fact]
    public void ATruncatedLibraryIsRejectedBeforeAnyOutOfRangeRead()
    {
        string path = Path.Combine(_temp.Path, "truncated.so");
        File.WriteAllBytes(path, File.ReadAllBytes(BridgeFiles.Original).AsSpan(0, 4096).ToArray());

        var error = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MakeRequirementWeak(path, LibStdCxx, Version, TorchSharpNativeFixup.UnusedSymbols));

        Assert.Contains("extends past the end of the file", error.Message);
    }

    [Fact]
    public void AHeaderPointingOutsideTheFileIsRejected()
    {
        byte[] bytes = File.ReadAllBytes(BridgeFiles.Original);
        BitConverter.TryWriteBytes(bytes.AsSpan(0x28), (ulong)bytes.Length * 2); // e_shoff beyond the end
        string path = Path.Combine(_temp.Path, "lying.so");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => ElfImage.Load(path));

        Assert.Contains("section header table", error.Message);
    }

    [Fact]
    public void A32BitObjectIsRejectedWithItsClass()
    {
        byte[] bytes = File.ReadAllBytes(BridgeFiles.Original).AsSpan(0, 128).ToArray();
        bytes[4] = 1;

        var error = Assert.Throws<InvalidDataException>(() => ElfImage.Parse(bytes, "x86.so"));

        Assert.Contains("64-bit", error.Message);
    }
}
