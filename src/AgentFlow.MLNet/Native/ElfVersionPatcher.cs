using System.Buffers.Binary;
using AgentFlow.MLNet.IO;

namespace AgentFlow.MLNet.Native;

/// <summary>What <see cref="ElfVersionPatcher.MakeRequirementWeak"/> did to a file.</summary>
internal enum WeakPatchOutcome
{
    /// <summary>The file does not require that version; nothing was written.</summary>
    NotRequired,

    /// <summary>The requirement was already weak; nothing was written.</summary>
    AlreadyWeak,

    /// <summary>The requirement was marked weak and the file was replaced.</summary>
    Patched,
}

/// <summary>
/// Marks one version requirement of an ELF shared object weak (<c>vna_flags |= VER_FLG_WEAK</c>), so
/// the dynamic loader accepts a dependency that lacks that version instead of refusing to load.
/// </summary>
/// <remarks>
/// This is only sound when nothing actually calls a symbol of that version. The caller states which
/// symbols may be bound to it; if any other symbol is, the patch is refused, because a weakened
/// requirement on a function that is really called would fail later at call time instead of at load.
/// </remarks>
internal static class ElfVersionPatcher
{
    /// <summary>
    /// Marks the requirement of <paramref name="version"/> from <paramref name="dependency"/> in the file at
    /// <paramref name="path"/> weak, replacing the file atomically. Only the two flag bytes change.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed 64-bit little-endian ELF object.</exception>
    /// <exception cref="InvalidOperationException">Symbols other than <paramref name="permittedSymbols"/> use that version.</exception>
    internal static WeakPatchOutcome MakeRequirementWeak(string path, string dependency, string version, IReadOnlySet<string> permittedSymbols)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var image = ElfImage.Parse(bytes, path);
        var requirement = image.Requirements.FirstOrDefault(r => r.File == dependency && r.Version == version);
        if (requirement is null)
            return WeakPatchOutcome.NotRequired;
        if (requirement.IsWeak)
            return WeakPatchOutcome.AlreadyWeak;

        var unexpected = image.SymbolsBoundTo(requirement.Index).Where(s => !permittedSymbols.Contains(s)).ToList();
        if (unexpected.Count > 0)
            throw new InvalidOperationException(
                $"Refusing to weaken the {version} requirement of '{path}': besides [{string.Join(", ", permittedSymbols)}] " +
                $"it binds [{string.Join(", ", unexpected)}], which the program may call. Install a {dependency} that provides {version} instead.");

        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(checked((int)requirement.FlagsOffset)), (ushort)(requirement.Flags | ElfImage.VersionFlagWeak));
        AtomicFile.WriteAllBytes(path, bytes);
        return WeakPatchOutcome.Patched;
    }
}
