using System.Buffers.Binary;
using System.Text;

namespace AgentFlow.MLNet.Native;

/// <summary>
/// A read-only view of the dynamic-linking version data in a 64-bit little-endian ELF shared object:
/// the versions it requires from each dependency (<c>.gnu.version_r</c>), the versions it defines
/// (<c>.gnu.version_d</c>) and which dynamic symbols are bound to which version (<c>.gnu.version</c>).
/// </summary>
/// <remarks>
/// Only what the native loader needs is parsed. Every offset and size read from the file is checked
/// against the file length first, so a truncated or hostile file gives an <see cref="InvalidDataException"/>
/// that names the file and the field instead of an out-of-range read.
/// </remarks>
internal sealed class ElfImage
{
    private const uint ShtDynSym = 11;
    private const uint ShtGnuVerDef = 0x6ffffffd;
    private const uint ShtGnuVerNeed = 0x6ffffffe;
    private const uint ShtGnuVerSym = 0x6fffffff;
    private const int SectionHeaderSize = 64;
    private const int SymbolSize = 24;

    /// <summary>Bit in <c>vna_flags</c> that makes a missing version a warning instead of a load error.</summary>
    internal const ushort VersionFlagWeak = 0x2;

    private readonly byte[] _bytes;
    private readonly string _name;

    private ElfImage(byte[] bytes, string name)
    {
        _bytes = bytes;
        _name = name;
        Sections = ReadSections();
        Requirements = ReadRequirements();
        Definitions = ReadDefinitions();
    }

    /// <summary>Section headers (type, file offset, size, linked section, info field).</summary>
    internal IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>Every version requirement, one per (dependency, version) pair, in file order.</summary>
    internal IReadOnlyList<ElfVersionRequirement> Requirements { get; }

    /// <summary>Names of the versions this object defines (for libstdc++: GLIBCXX_3.4, …, CXXABI_1.3, …).</summary>
    internal IReadOnlyList<string> Definitions { get; }

    /// <summary>Reads and parses <paramref name="path"/>.</summary>
    internal static ElfImage Load(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses an in-memory image; <paramref name="name"/> is used in error messages.</summary>
    internal static ElfImage Parse(byte[] bytes, string name) => new(bytes, name);

    /// <summary>
    /// Names of the dynamic symbols bound to the version whose index is <paramref name="versionIndex"/>
    /// (the <c>vna_other</c> of a requirement).
    /// </summary>
    internal IReadOnlyList<string> SymbolsBoundTo(ushort versionIndex)
    {
        var dynsym = Sections.FirstOrDefault(s => s.Type == ShtDynSym);
        var versym = Sections.FirstOrDefault(s => s.Type == ShtGnuVerSym);
        if (dynsym is null || versym is null)
            return [];

        var strings = LinkedSection(dynsym, "dynamic symbol table");
        long count = Math.Min(dynsym.Size / SymbolSize, versym.Size / 2);
        var names = new List<string>();
        for (long i = 0; i < count; i++)
        {
            ushort index = (ushort)(U16(versym.Offset + i * 2, "version symbol entry") & 0x7fff);
            if (index != versionIndex)
                continue;
            uint nameOffset = U32(dynsym.Offset + i * SymbolSize, "symbol name");
            names.Add(ReadString(strings, nameOffset));
        }
        return names;
    }

    private List<ElfSection> ReadSections()
    {
        Require(64, 0, "ELF header");
        if (_bytes[0] != 0x7f || _bytes[1] != (byte)'E' || _bytes[2] != (byte)'L' || _bytes[3] != (byte)'F')
            throw Invalid("it does not start with the ELF magic number");
        if (_bytes[4] != 2)
            throw Invalid($"its ELF class is {_bytes[4]}, but only 64-bit objects (class 2) are supported");
        if (_bytes[5] != 1)
            throw Invalid($"its data encoding is {_bytes[5]}, but only little-endian objects (1) are supported");

        long tableOffset = (long)U64(0x28, "section header offset");
        int entrySize = U16(0x3a, "section header entry size");
        int count = U16(0x3c, "section header count");
        if (count == 0)
            return [];
        if (entrySize < SectionHeaderSize)
            throw Invalid($"its section header entries are {entrySize} bytes, expected at least {SectionHeaderSize}");
        Require(tableOffset, (long)entrySize * count, "section header table");

        var sections = new List<ElfSection>(count);
        for (int i = 0; i < count; i++)
        {
            long at = tableOffset + (long)i * entrySize;
            var section = new ElfSection(
                Type: U32(at + 4, "section type"),
                Offset: (long)U64(at + 24, "section offset"),
                Size: (long)U64(at + 32, "section size"),
                Link: U32(at + 40, "section link"),
                Info: U32(at + 44, "section info"));
            // NOBITS sections (.bss) occupy no file space; everything else we might read must fit.
            if (section.Type != 8)
                Require(section.Offset, section.Size, $"section {i}");
            sections.Add(section);
        }
        return sections;
    }

    private List<ElfVersionRequirement> ReadRequirements()
    {
        var requirements = new List<ElfVersionRequirement>();
        var verneed = Sections.FirstOrDefault(s => s.Type == ShtGnuVerNeed);
        if (verneed is null)
            return requirements;

        var strings = LinkedSection(verneed, "version requirement section");
        long entry = verneed.Offset;
        for (uint n = 0; n < verneed.Info; n++)
        {
            RequireInside(verneed, entry, 16, "version requirement entry");
            ushort auxCount = U16(entry + 2, "vn_cnt");
            string file = ReadString(strings, U32(entry + 4, "vn_file"));
            long aux = entry + U32(entry + 8, "vn_aux");
            for (int a = 0; a < auxCount; a++)
            {
                RequireInside(verneed, aux, 16, "version requirement auxiliary entry");
                requirements.Add(new ElfVersionRequirement(
                    File: file,
                    Version: ReadString(strings, U32(aux + 8, "vna_name")),
                    Flags: U16(aux + 4, "vna_flags"),
                    Index: U16(aux + 6, "vna_other"),
                    FlagsOffset: aux + 4));
                aux += U32(aux + 12, "vna_next");
            }
            uint next = U32(entry + 12, "vn_next");
            if (next == 0)
                break;
            entry += next;
        }
        return requirements;
    }

    private List<string> ReadDefinitions()
    {
        var definitions = new List<string>();
        var verdef = Sections.FirstOrDefault(s => s.Type == ShtGnuVerDef);
        if (verdef is null)
            return definitions;

        var strings = LinkedSection(verdef, "version definition section");
        long entry = verdef.Offset;
        for (uint n = 0; n < verdef.Info; n++)
        {
            RequireInside(verdef, entry, 20, "version definition entry");
            // The first auxiliary entry holds the version's own name; later ones name its parents.
            long aux = entry + U32(entry + 12, "vd_aux");
            RequireInside(verdef, aux, 8, "version definition auxiliary entry");
            definitions.Add(ReadString(strings, U32(aux, "vda_name")));
            uint next = U32(entry + 16, "vd_next");
            if (next == 0)
                break;
            entry += next;
        }
        return definitions;
    }

    private ElfSection LinkedSection(ElfSection section, string what)
    {
        if (section.Link >= Sections.Count)
            throw Invalid($"its {what} links to section {section.Link}, but there are only {Sections.Count} sections");
        return Sections[(int)section.Link];
    }

    private string ReadString(ElfSection strings, uint offset)
    {
        if (offset >= strings.Size)
            throw Invalid($"a string offset {offset} lies outside its string table ({strings.Size} bytes)");
        int start = checked((int)(strings.Offset + offset));
        int end = Array.IndexOf(_bytes, (byte)0, start, (int)(strings.Size - offset));
        if (end < 0)
            throw Invalid($"the string at offset {offset} of its string table is not terminated");
        return Encoding.UTF8.GetString(_bytes, start, end - start);
    }

    private void RequireInside(ElfSection section, long at, long length, string what)
    {
        if (at < section.Offset || at + length > section.Offset + section.Size)
            throw Invalid($"a {what} at offset {at} lies outside its section ({section.Offset}..{section.Offset + section.Size})");
    }

    private void Require(long offset, long length, string what)
    {
        if (offset < 0 || length < 0 || offset + length > _bytes.Length)
            throw Invalid($"its {what} ({length} bytes at offset {offset}) extends past the end of the file ({_bytes.Length} bytes)");
    }

    private ushort U16(long at, string what) { Require(at, 2, what); return BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan((int)at)); }
    private uint U32(long at, string what) { Require(at, 4, what); return BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan((int)at)); }
    private ulong U64(long at, string what) { Require(at, 8, what); return BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan((int)at)); }

    private InvalidDataException Invalid(string reason) => new($"'{_name}' is not a usable ELF shared object: {reason}.");
}

/// <summary>One ELF section header, reduced to the fields the version parser uses.</summary>
internal sealed record ElfSection(uint Type, long Offset, long Size, uint Link, uint Info);

/// <summary>
/// One <c>Elf64_Vernaux</c> entry: the object needs <see cref="Version"/> from <see cref="File"/>.
/// </summary>
/// <param name="File">The dependency's soname, for example <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name, for example <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Flags">The <c>vna_flags</c> field; <see cref="ElfImage.VersionFlagWeak"/> marks a weak requirement.</param>
/// <param name="Index">The <c>vna_other</c> field: the index symbols use in <c>.gnu.version</c>.</param>
/// <param name="FlagsOffset">File offset of <c>vna_flags</c>, where a patch writes.</param>
internal sealed record ElfVersionRequirement(string File, string Version, ushort Flags, ushort Index, long FlagsOffset)
{
    /// <summary>True when the dynamic loader only warns if the version is missing.</summary>
    public bool IsWeak => (Flags & ElfImage.VersionFlagWeak) != 0;
}
