using System.Text;

namespace PerfTestKit.Symbols;

/// <summary>
/// Kernel and module function names from /proc/kallsyms (or a saved copy of it). The file has over 100,000
/// lines: it is parsed from bytes, and a name is decoded only when an address resolves to it.
/// </summary>
public sealed class KernelSymbols
{
    public const string KernelModule = "[kernel.kallsyms]";

    // The table is the index layout of ToIndex, used where it lies (read from the cache, or made by Parse): the
    // starts are binary-searched in place and a name is read only when an address resolves to it, from the text in
    // memory or, for a cached table, from the cached text file. Reading the 5 MB text and copying the index into
    // arrays was most of loading kernel symbols, on every conversion.
    private readonly byte[] _index;
    private readonly int _indexStart, _count, _startsAt, _offsetsAt, _lengthsAt, _modulesAt;
    private readonly string[] _moduleNames;
    private readonly byte[]? _text;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _textFile;
    private readonly long _textLength;
    private readonly Dictionary<int, string?> _names = new();

    private KernelSymbols(byte[] index, int indexStart, int count, int startsAt, string[] moduleNames, byte[]? text, Microsoft.Win32.SafeHandles.SafeFileHandle? textFile, long textLength)
    {
        _index = index;
        _indexStart = indexStart;
        _count = count;
        _startsAt = startsAt;
        _offsetsAt = startsAt + count * 8;
        _lengthsAt = _offsetsAt + count * 4;
        _modulesAt = _lengthsAt + count * 4;
        _moduleNames = moduleNames;
        _text = text;
        _textFile = textFile;
        _textLength = textLength;
    }

    public static KernelSymbols Empty { get; } = new(Array.Empty<byte>(), 0, 0, 0, Array.Empty<string>(), Array.Empty<byte>(), null, 0);

    public int Count => _count;

    /// <summary>
    /// Loads kallsyms; an unreadable file or one with hidden addresses (kptr_restrict, perf_event_paranoid above 1
    /// for a user without CAP_SYSLOG) gives an empty table. Only a table with addresses is cached, and an empty one is
    /// never read from the cache: after the documented fix (a lower perf_event_paranoid) on the same boot, the next
    /// run sees the addresses at once.
    /// </summary>
    public static KernelSymbols Load(string path = "/proc/kallsyms")
    {
        var cache = path == "/proc/kallsyms" ? KallsymsCache.ForThisBoot() : null;
        if (cache?.TryOpenText() is { } textFile)
        {
            long length = RandomAccess.GetLength(textFile);
            if (length <= int.MaxValue && cache.TryReadIndex((int)length) is { } index
                && FromIndex(index, KallsymsCache.IndexHeaderSize, null, textFile, length) is { Count: > 0 } indexed) return indexed;
            var cached = new byte[length];
            int read = 0;
            while (read < cached.Length && RandomAccess.Read(textFile, cached.AsSpan(read), read) is var n and > 0) read += n;
            textFile.Dispose();
            if (ParseAndIndex(cached[..read], cache) is { Count: > 0 } fromCache) return fromCache;
            // A copy made while the addresses were hidden (by an older version): read the kernel's own.
        }
        try
        {
            // /proc files report no length, and the kernel regenerates kallsyms from the start of each read's
            // page: read in large chunks (small reads make it several times slower).
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            var buffer = new byte[8 << 20];
            int used = 0, read;
            while ((read = stream.Read(buffer, used, buffer.Length - used)) > 0)
            {
                used += read;
                if (used == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            }
            Array.Resize(ref buffer, used);
            var parsed = Parse(buffer);
            if (parsed.Count > 0 && cache is not null)
            {
                cache.WriteText(buffer);
                cache.WriteIndex(buffer.Length, parsed.ToIndex());
            }
            return parsed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Empty;
        }
    }

    /// <summary>Parses the text and saves the table in the cache (when there is one) for the next conversion.</summary>
    private static KernelSymbols ParseAndIndex(byte[] text, KallsymsCache? cache)
    {
        var parsed = Parse(text);
        cache?.WriteIndex(text.Length, parsed.ToIndex());
        return parsed;
    }

    public static KernelSymbols Parse(TextReader reader) => Parse(Encoding.UTF8.GetBytes(reader.ReadToEnd()));

    /// <summary>Lines "ffffffff81000000 T _stext" or "ffffffffc0a01000 t foo\t[kvm]".</summary>
    public static KernelSymbols Parse(byte[] text)
    {
        var starts = new List<ulong>(1 << 17);
        var offsets = new List<int>(1 << 17);
        var lengths = new List<int>(1 << 17);
        var moduleOfLine = new List<string>(1 << 17);
        var modules = new Dictionary<string, string>(StringComparer.Ordinal);
        var span = text.AsSpan();
        int at = 0;
        while (at < span.Length)
        {
            int end = span[at..].IndexOf((byte)'\n');
            end = end < 0 ? span.Length : at + end;
            var line = span[at..end];
            int lineStart = at;
            at = end + 1;
            int space = line.IndexOf((byte)' ');
            if (space <= 0 || space + 3 > line.Length) continue;
            byte type = (byte)(line[space + 1] & ~0x20); // upper case
            if (type is not ((byte)'T' or (byte)'W' or (byte)'D' or (byte)'B')) continue; // perf's symbol_type__filter
            if (!TryParseHex(line[..space], out ulong start) || start == 0) continue;
            var rest = line[(space + 3)..];
            string module = KernelModule;
            int tab = rest.IndexOf((byte)'\t');
            if (tab >= 0)
            {
                string key = Encoding.UTF8.GetString(rest[(tab + 1)..]).Trim();
                if (!modules.TryGetValue(key, out var interned)) modules[key] = interned = key;
                module = interned;
                rest = rest[..tab];
            }
            starts.Add(start);
            offsets.Add(lineStart + space + 3);
            lengths.Add(rest.Length);
            moduleOfLine.Add(module);
        }
        var keys = starts.ToArray();
        var order = Enumerable.Range(0, keys.Length).ToArray();
        Array.Sort(keys, order);
        int kept = KeepOnePerAddress(keys, order);
        keys = keys[..kept];
        order = order[..kept];
        var index = ToIndex(keys, order.Select(i => offsets[i]).ToArray(), order.Select(i => lengths[i]).ToArray(), order.Select(i => moduleOfLine[i]).ToArray());
        return FromIndex(index, 0, text, null, text.Length)!;
    }

    /// <summary>
    /// Where several lines name one address (aliases: <c>__pi___x86_indirect_thunk_rax</c> and
    /// <c>__x86_indirect_thunk_rax</c>, <c>__do_sys_getppid</c>, <c>__ia32_sys_getppid</c> and <c>__x64_sys_getppid</c>),
    /// keeps the one perf names, compacting <paramref name="keys"/> and <paramref name="order"/> (sorted by address,
    /// order holding line numbers); returns how many are kept.
    /// </summary>
    /// <remarks>
    /// perf inserts kallsyms lines into its symbol tree in file order (equal starts go after the ones already there),
    /// then runs symbols__fixup_end before symbols__fixup_duplicate: every kallsyms symbol has size 0, so fixup_end
    /// gives each the distance to the next symbol in the tree, which is 0 for all of an address's names but the last
    /// one. choose_best_symbol's first rule (a sized symbol over a zero-sized one) then settles every alias: the
    /// last line at an address wins, before binding, underscores or length are compared.
    /// </remarks>
    internal static int KeepOnePerAddress(ulong[] keys, int[] order)
    {
        int kept = 0;
        for (int i = 0; i < keys.Length;)
        {
            int j = i + 1;
            int last = order[i];
            while (j < keys.Length && keys[j] == keys[i]) last = Math.Max(last, order[j++]);
            keys[kept] = keys[i];
            order[kept++] = last;
            i = j;
        }
        return kept;
    }

    /// <summary>
    /// The parsed table as bytes, for <see cref="KallsymsCache"/>: parsing 100,000 lines was most of loading kernel
    /// symbols from the cached text. Layout: count, module count, each module (length, UTF-8), then the starts,
    /// name offsets, name lengths and module indices as arrays.
    /// </summary>
    internal byte[] ToIndex() => _index.AsSpan(_indexStart).ToArray();

    private static byte[] ToIndex(ulong[] starts, int[] nameOffsets, int[] nameLengths, string[] modules)
    {
        var moduleNames = modules.Distinct().ToList();
        var moduleIndex = moduleNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        using var output = new MemoryStream();
        using var writer = new BinaryWriter(output);
        writer.Write(starts.Length);
        writer.Write(moduleNames.Count);
        foreach (var name in moduleNames)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(starts.AsSpan()));
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(nameOffsets.AsSpan()));
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(nameLengths.AsSpan()));
        foreach (var module in modules) writer.Write(moduleIndex[module]);
        writer.Flush();
        return output.ToArray();
    }

    /// <summary>The table from <see cref="ToIndex"/>'s bytes (from <paramref name="start"/>) over the same text; null when they do not fit it.</summary>
    internal static KernelSymbols? FromIndex(byte[] text, byte[] index, int start = 0) => FromIndex(index, start, text, null, text.Length);

    private static KernelSymbols? FromIndex(byte[] index, int start, byte[]? text, Microsoft.Win32.SafeHandles.SafeFileHandle? textFile, long textLength)
    {
        var span = index.AsSpan(start);
        if (span.Length < 8) return null;
        int count = BitConverter.ToInt32(span), moduleCount = BitConverter.ToInt32(span[4..]);
        if (count < 0 || moduleCount < 0 || moduleCount > count + 1) return null;
        int at = 8;
        var moduleNames = new string[moduleCount];
        for (int i = 0; i < moduleCount; i++)
        {
            if (span.Length - at < 4) return null;
            int length = BitConverter.ToInt32(span[at..]);
            at += 4;
            if (length < 0 || span.Length - at < length) return null;
            moduleNames[i] = Encoding.UTF8.GetString(span.Slice(at, length));
            at += length;
        }
        if (span.Length - at != (long)count * (8 + 4 + 4 + 4)) return null;
        // Every entry must lie in the text and name a module: an index of another text is not used. (A scan of the
        // arrays where they are; no copies.)
        var offsets = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(span.Slice(at + count * 8, count * 4));
        var lengths = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(span.Slice(at + count * 12, count * 4));
        var moduleOf = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(span.Slice(at + count * 16, count * 4));
        for (int i = 0; i < count; i++)
        {
            if ((uint)moduleOf[i] >= (uint)moduleCount || offsets[i] < 0 || lengths[i] < 0 || offsets[i] > textLength - lengths[i]) return null;
        }
        return new KernelSymbols(index, start, count, start + at, moduleNames, text, textFile, textLength);
    }

    /// <summary>The function whose start is the nearest at or below <paramref name="address"/>.</summary>
    public (string Name, string Module)? Lookup(ulong address)
    {
        var starts = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(_index.AsSpan(_startsAt, _count * 8));
        int index = starts.BinarySearch(address);
        if (index < 0) index = ~index - 1;
        if (index < 0) return null;
        if (!_names.TryGetValue(index, out var name)) _names[index] = name = ReadName(index);
        if (name is null) return null;
        return (name, _moduleNames[ReadInt(_modulesAt, index)]);
    }

    private int ReadInt(int arrayAt, int index) => BitConverter.ToInt32(_index, arrayAt + index * 4);

    /// <summary>The name of entry <paramref name="index"/>, from the text in memory or the cached file; null if unreadable.</summary>
    private string? ReadName(int index)
    {
        int offset = ReadInt(_offsetsAt, index), length = ReadInt(_lengthsAt, index);
        if (_text is not null) return Encoding.UTF8.GetString(_text, offset, length);
        Span<byte> bytes = length <= 512 ? stackalloc byte[length] : new byte[length];
        try
        {
            return RandomAccess.Read(_textFile!, bytes, offset) == length ? Encoding.UTF8.GetString(bytes) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return null;
        }
    }

    private static bool TryParseHex(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        if (digits.Length is 0 or > 16) return false;
        foreach (byte b in digits)
        {
            int d = b is >= (byte)'0' and <= (byte)'9' ? b - '0' : (b | 0x20) is >= 'a' and <= 'f' ? (b | 0x20) - 'a' + 10 : -1;
            if (d < 0) return false;
            value = (value << 4) | (uint)d;
        }
        return true;
    }
}
