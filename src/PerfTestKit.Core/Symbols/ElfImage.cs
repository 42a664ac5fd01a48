using System.Buffers.Binary;
using System.Text;

namespace PerfTestKit.Symbols;

/// <summary>
/// The parts of a 64-bit ELF file that name code: function symbols from .symtab (else .dynsym) and the
/// PT_LOAD segments that turn a file offset into a symbol address.
/// </summary>
public sealed class ElfImage
{
    private const uint SectionSymtab = 2;
    private const uint SectionDynsym = 11;
    private const uint ProgramLoad = 1;
    private const byte SymbolFunction = 2;
    private const byte SymbolGnuIndirect = 10;
    private const byte BindingLocal = 0, BindingGlobal = 1, BindingWeak = 2;

    private readonly (ulong Offset, ulong VirtualAddress, ulong FileSize)[] _segments;
    private readonly List<(ulong Start, ulong Size, string Name)> _pltSymbols;

    private ElfImage(SymbolTable symbols, bool fullSymbols, string? buildId, string? debugLink, (ulong, ulong, ulong)[] segments,
        List<(ulong, ulong, string)> pltSymbols)
    {
        _pltSymbols = pltSymbols;
        Symbols = symbols;
        HasFullSymbols = fullSymbols;
        BuildId = buildId;
        DebugLink = debugLink;
        _segments = segments;
    }

    public SymbolTable Symbols { get; private set; }

    /// <summary>True when the names come from a .symtab (all functions), false for .dynsym only (exports).</summary>
    public bool HasFullSymbols { get; private set; }

    /// <summary>The GNU build id in hex, when the file has one.</summary>
    public string? BuildId { get; }

    /// <summary>The file name in .gnu_debuglink, when the file has one (e.g. NativeAOT's app.dbg next to app).</summary>
    public string? DebugLink { get; }

    /// <summary>
    /// Where detached debug symbols may be: the .gnu_debuglink name in perf's debuglink places, then where
    /// distributions put them (Debian's -dbg and -dbgsym packages use the build id).
    /// </summary>
    public static IReadOnlyList<string> DebugFileCandidates(string path, string? buildId, string? debugLink = null)
    {
        var candidates = new List<string>();
        if (debugLink is { Length: > 0 } && Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            candidates.Add(Path.Combine(directory, debugLink));
            candidates.Add(Path.Combine(directory, ".debug", debugLink));
            candidates.Add("/usr/lib/debug" + Path.Combine(directory, debugLink));
        }
        if (buildId is { Length: > 2 })
        {
            candidates.Add($"/usr/lib/debug/.build-id/{buildId[..2]}/{buildId[2..]}.debug");
        }
        candidates.Add("/usr/lib/debug" + path + ".debug");
        candidates.Add("/usr/lib/debug" + path);
        return candidates;
    }

    /// <summary>Reads the file; null when it is missing, not ELF64 little-endian, or unreadable.</summary>
    public static ElfImage? TryLoad(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            ElfImage? image;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
            {
                image = Load(stream);
            }
            if (image is null || image.HasFullSymbols) return image;
            // A stripped file: take the names from its detached debug file when one is installed, as perf does.
            foreach (var candidate in DebugFileCandidates(path, image.BuildId, image.DebugLink))
            {
                if (candidate == path || !File.Exists(candidate)) continue;
                using var debugStream = new FileStream(candidate, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
                // A debug file's PLT sections are empty (NOBITS): the stubs keep the names made from the image's own
                // relocations, as perf does (dso__synthesize_plt_symbols on the runtime image).
                if (Load(debugStream, image._pltSymbols) is { HasFullSymbols: true } debug && (image.BuildId is null || debug.BuildId == image.BuildId))
                {
                    image.Symbols = debug.Symbols;
                    image.HasFullSymbols = true;
                    break;
                }
            }
            return image;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>The address in the symbol table's terms for a byte at <paramref name="fileOffset"/> of the file.</summary>
    public ulong FileOffsetToAddress(ulong fileOffset)
    {
        foreach (var (offset, address, size) in _segments)
        {
            if (fileOffset >= offset && fileOffset < offset + size) return fileOffset - offset + address;
        }
        return fileOffset;
    }

    /// <summary>Reads an ELF image from any seekable stream (a file, or bytes copied from memory such as the vdso).</summary>
    public static ElfImage? Load(Stream stream) => Load(stream, null);

    /// <param name="pltSymbols">PLT stub names to add (those of the image a debug file belongs to).</param>
    private static ElfImage? Load(Stream stream, IReadOnlyList<(ulong Start, ulong Size, string Name)>? pltSymbols)
    {
        Span<byte> header = stackalloc byte[64];
        if (stream.Read(header) < 64) return null;
        // \x7fELF, ELFCLASS64, ELFDATA2LSB
        if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F' || header[4] != 2 || header[5] != 1)
        {
            return null;
        }
        ushort machine = U16(header[18..]);
        ulong programOffset = U64(header[32..]);
        ulong sectionOffset = U64(header[40..]);
        int programEntrySize = U16(header[54..]), programCount = U16(header[56..]);
        int sectionEntrySize = U16(header[58..]), sectionCount = U16(header[60..]);
        int sectionNamesIndex = U16(header[62..]);
        long length = stream.Length;

        var segments = new List<(ulong, ulong, ulong)>();
        if (programEntrySize >= 56 && programCount > 0)
        {
            var programs = ReadAt(stream, programOffset, (long)programEntrySize * programCount, length);
            for (int i = 0; programs is not null && i < programCount; i++)
            {
                var entry = programs.AsSpan(i * programEntrySize);
                if (U32(entry) != ProgramLoad) continue;
                segments.Add((U64(entry[8..]), U64(entry[16..]), U64(entry[32..])));
            }
        }

        var symbols = new SymbolTable.Builder();
        var plt = new List<(ulong, ulong, string)>();
        bool full = false;
        string? buildId = null, debugLink = null;
        if (sectionEntrySize >= 64 && sectionCount > 0 && ReadAt(stream, sectionOffset, (long)sectionEntrySize * sectionCount, length) is { } table)
        {
            var sections = new Sections(stream, table, sectionEntrySize, sectionCount, length);
            buildId = ReadBuildId(sections);
            var names = SectionNames(sections, sectionNamesIndex);
            var textSections = names.Select(n => n.Contains("text", StringComparison.Ordinal)).ToArray();
            int link = Array.IndexOf(names, ".gnu_debuglink");
            if (link >= 0 && sections.Contents(link) is { } linkData)
            {
                debugLink = Path.GetFileName(CString(linkData, 0));
            }
            // .symtab holds everything .dynsym has and more; read .dynsym only for stripped files.
            full = ReadSymbols(sections, SectionSymtab, textSections, symbols);
            if (!full) ReadSymbols(sections, SectionDynsym, textSections, symbols);
            AddPltSymbols(sections, names, machine, plt);
        }
        foreach (var (start, size, name) in pltSymbols ?? plt) symbols.Add(start, size, name, 2);
        return new ElfImage(symbols.Build(), full, buildId, debugLink, segments.ToArray(), plt);
    }

    /// <summary>
    /// The section header table, and each section's bytes read at most once: the string tables serve section names,
    /// symbols and PLT names alike (reading them once each way was most of the memory a library's symbols took).
    /// </summary>
    private sealed class Sections(Stream stream, byte[] table, int entrySize, int count, long fileLength)
    {
        private readonly byte[]?[] _contents = new byte[]?[count];
        private readonly bool[] _read = new bool[count];

        public int Count => count;

        public ReadOnlySpan<byte> Header(int index) => table.AsSpan(index * entrySize, entrySize);

        public uint NameOffset(int index) => U32(Header(index));
        public uint Type(int index) => U32(Header(index)[4..]);
        public ulong Flags(int index) => U64(Header(index)[8..]);
        public ulong Address(int index) => U64(Header(index)[16..]);
        public ulong Size(int index) => U64(Header(index)[32..]);
        public int Link(int index) => (int)U32(Header(index)[40..]);
        public ulong EntrySize(int index) => U64(Header(index)[56..]);

        public byte[]? Contents(int index)
        {
            if ((uint)index >= (uint)count) return null;
            if (!_read[index])
            {
                _read[index] = true;
                _contents[index] = ReadAt(stream, U64(Header(index)[24..]), (long)Size(index), fileLength);
            }
            return _contents[index];
        }

        /// <summary>At most the first <paramref name="limit"/> bytes of a section, read apart from <see cref="Contents"/>.</summary>
        public byte[]? Prefix(int index, int limit) => ReadAt(stream, U64(Header(index)[24..]), (long)Math.Min(Size(index), (ulong)limit), fileLength);
    }

    /// <summary>The NT_GNU_BUILD_ID note from any SHT_NOTE section.</summary>
    private static string? ReadBuildId(Sections sections)
    {
        const uint SectionNote = 7, NoteGnuBuildId = 3;
        for (int i = 0; i < sections.Count; i++)
        {
            if (sections.Type(i) != SectionNote) continue;
            var notes = sections.Prefix(i, 4096);
            if (notes is null) continue;
            for (int at = 0; at + 12 <= notes.Length;)
            {
                int nameSize = (int)U32(notes.AsSpan(at)), descSize = (int)U32(notes.AsSpan(at + 4));
                uint type = U32(notes.AsSpan(at + 8));
                int desc = at + 12 + ((nameSize + 3) & ~3);
                if (nameSize < 0 || descSize < 0 || desc + descSize > notes.Length) break;
                if (type == NoteGnuBuildId && nameSize == 4 && notes.AsSpan(at + 12, 3).SequenceEqual("GNU"u8))
                {
                    return Convert.ToHexString(notes, desc, descSize).ToLowerInvariant();
                }
                at = desc + ((descSize + 3) & ~3);
            }
        }
        return null;
    }

    /// <summary>
    /// Symbols perf itself would use: functions and objects in any allocated section (NativeAOT puts managed code
    /// in __managedcode), and labels (e.g. _dl_start_user) only in a section whose name contains "text".
    /// </summary>
    private static bool ReadSymbols(Sections sections, uint wantedType, bool[] textSections, SymbolTable.Builder symbols)
    {
        const byte SymbolNoType = 0, SymbolObject = 1;
        const ushort SectionAbsolute = 0xfff1;
        const ulong SectionAllocated = 2;
        int count = sections.Count;
        for (int i = 0; i < count; i++)
        {
            if (sections.Type(i) != wantedType) continue;
            ulong size = sections.Size(i);
            int linked = sections.Link(i);
            ulong symbolSize = sections.EntrySize(i);
            if (symbolSize < 24 || linked >= count) return false;
            var stringTable = sections.Contents(linked);
            var table = sections.Contents(i);
            if (stringTable is null || table is null) return false;
            symbols.EnsureCapacity((int)(size / symbolSize));
            int added = 0;
            for (ulong at = 0; at + symbolSize <= size; at += symbolSize)
            {
                var symbol = table.AsSpan((int)at);
                byte info = symbol[4];
                int kind = info & 0xf, binding = info >> 4;
                ushort sectionIndex = U16(symbol[6..]);
                ulong value = U64(symbol[8..]), symSize = U64(symbol[16..]);
                if (kind is not (SymbolFunction or SymbolGnuIndirect or SymbolObject or SymbolNoType)) continue;
                if (sectionIndex == 0 || sectionIndex == SectionAbsolute || sectionIndex >= count) continue;
                if (kind == SymbolNoType ? !textSections[sectionIndex] : (sections.Flags(sectionIndex) & SectionAllocated) == 0) continue;
                uint nameAt = U32(symbol);
                if (nameAt >= stringTable.Length || stringTable[nameAt] == 0) continue;
                // The name stays bytes in the string table (up to its NUL) until a sample needs it.
                symbols.Add(value, symSize, stringTable, (int)nameAt, -1, binding switch { BindingGlobal => 2, BindingWeak => 0, BindingLocal => 1, _ => 0 });
                added++;
            }
            return added > 0;
        }
        return false;
    }

    /// <summary>Each section's name ("" where the section-name table cannot be read).</summary>
    private static string[] SectionNames(Sections sections, int namesIndex)
    {
        const uint SectionStrings = 3;
        var result = new string[sections.Count];
        Array.Fill(result, "");
        // e_shstrndx names the section-name table; a file whose index is off (or SHN_XINDEX) is searched for the
        // STRTAB whose own name resolves to ".shstrtab".
        if ((uint)namesIndex >= (uint)sections.Count || sections.Type(namesIndex) != SectionStrings
            || sections.Contents(namesIndex) is not { } names || CString(names, sections.NameOffset(namesIndex)) != ".shstrtab")
        {
            namesIndex = -1;
            for (int i = 0; i < sections.Count && namesIndex < 0; i++)
            {
                if (sections.Type(i) == SectionStrings && sections.Contents(i) is { } candidate && CString(candidate, sections.NameOffset(i)) == ".shstrtab") namesIndex = i;
            }
        }
        if (namesIndex < 0 || sections.Contents(namesIndex) is not { } nameTable) return result;
        for (int i = 0; i < sections.Count; i++) result[i] = CString(nameTable, sections.NameOffset(i));
        return result;
    }

    /// <summary>
    /// Names for the PLT stubs, which no symbol table covers, as perf synthesises them: "name@plt" for the entry of
    /// each .rela.plt relocation, in relocation order (entries in .plt.sec when the binary has one, as with x86 IBT).
    /// x86-64 and AArch64 only.
    /// </summary>
    private static void AddPltSymbols(Sections sections, string[] names, ushort machine, List<(ulong Start, ulong Size, string Name)> symbols)
    {
        const ushort MachineX86_64 = 62, MachineAArch64 = 183;
        const uint SectionRela = 4;
        int plt = Array.IndexOf(names, ".plt"), pltSec = Array.IndexOf(names, ".plt.sec"), relaPlt = Array.IndexOf(names, ".rela.plt");
        if (plt < 0 || relaPlt < 0 || machine is not (MachineX86_64 or MachineAArch64)) return;
        if (sections.Type(relaPlt) != SectionRela) return;
        ulong headerSize = machine == MachineAArch64 ? 32UL : 16UL, stubSize = 16;
        int dynsym = sections.Link(relaPlt);
        if (dynsym <= 0 || dynsym >= names.Length) return;
        int dynstr = sections.Link(dynsym);
        if (dynstr <= 0 || dynstr >= names.Length) return;
        var strings = sections.Contents(dynstr);
        var dynamicSymbols = sections.Contents(dynsym);
        var relocations = sections.Contents(relaPlt);
        if (strings is null || dynamicSymbols is null || relocations is null) return;

        // The lazy-binding header gets no name (perf 6.1 gives it none either).
        ulong first = pltSec >= 0 && machine == MachineX86_64 ? sections.Address(pltSec) : sections.Address(plt) + headerSize;
        const int RelaSize = 24, SymbolSize = 24;
        for (int i = 0; (i + 1) * RelaSize <= relocations.Length; i++)
        {
            ulong info = U64(relocations.AsSpan(i * RelaSize + 8));
            int symbol = (int)(info >> 32);
            if ((symbol + 1) * SymbolSize > dynamicSymbols.Length) continue;
            string name = CString(strings, U32(dynamicSymbols.AsSpan(symbol * SymbolSize)));
            if (name.Length > 0) symbols.Add((first + (ulong)i * stubSize, stubSize, name + "@plt"));
        }
    }

    private static byte[]? ReadAt(Stream stream, ulong offset, long size, long length)
    {
        if (size <= 0 || size > 512L << 20 || offset > (ulong)length || (long)offset + size > length) return null;
        var buffer = new byte[size];
        stream.Position = (long)offset;
        stream.ReadExactly(buffer);
        return buffer;
    }

    private static string CString(byte[] table, uint offset)
    {
        if (offset >= table.Length) return "";
        var rest = table.AsSpan((int)offset);
        int end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }

    private static ulong U64(ReadOnlySpan<byte> s) => BinaryPrimitives.ReadUInt64LittleEndian(s);
    private static uint U32(ReadOnlySpan<byte> s) => BinaryPrimitives.ReadUInt32LittleEndian(s);
    private static ushort U16(ReadOnlySpan<byte> s) => BinaryPrimitives.ReadUInt16LittleEndian(s);
}
