using System.Text;

namespace PerfTestKit.Symbols;

/// <summary>
/// Kernel and module function names from /proc/kallsyms (or a saved copy of it). The file has over 100,000
/// lines: it is parsed from bytes, and a name is decoded only when an address resolves to it.
/// </summary>
public sealed class KernelSymbols
{
    public const string KernelModule = "[kernel.kallsyms]";

    private readonly byte[] _text;
    private readonly ulong[] _starts;
    private readonly int[] _nameOffsets;
    private readonly int[] _nameLengths;
    private readonly string[] _modules;
    private readonly Dictionary<int, string> _names = new();

    private KernelSymbols(byte[] text, ulong[] starts, int[] nameOffsets, int[] nameLengths, string[] modules)
    {
        _text = text;
        _starts = starts;
        _nameOffsets = nameOffsets;
        _nameLengths = nameLengths;
        _modules = modules;
    }

    public static KernelSymbols Empty { get; } = new(Array.Empty<byte>(), Array.Empty<ulong>(), Array.Empty<int>(), Array.Empty<int>(), Array.Empty<string>());

    public int Count => _starts.Length;

    /// <summary>Loads kallsyms; an unreadable file or one with hidden addresses (kptr_restrict) gives an empty table.</summary>
    public static KernelSymbols Load(string path = "/proc/kallsyms")
    {
        var cache = path == "/proc/kallsyms" ? KallsymsCache.ForThisBoot() : null;
        if (cache?.TryReadText() is { } cached)
        {
            if (cache.TryReadIndex(cached.Length) is { } index && FromIndex(cached, index, KallsymsCache.IndexHeaderSize) is { } indexed) return indexed;
            return ParseAndIndex(cached, cache);
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
            cache?.WriteText(buffer);
            return ParseAndIndex(buffer, cache);
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
        return new KernelSymbols(text, keys, order.Select(i => offsets[i]).ToArray(), order.Select(i => lengths[i]).ToArray(),
            order.Select(i => moduleOfLine[i]).ToArray());
    }

    /// <summary>
    /// The parsed table as bytes, for <see cref="KallsymsCache"/>: parsing 100,000 lines was most of loading kernel
    /// symbols from the cached text. Layout: count, module count, each module (length, UTF-8), then the starts,
    /// name offsets, name lengths and module indices as arrays.
    /// </summary>
    internal byte[] ToIndex()
    {
        var moduleNames = _modules.Distinct().ToList();
        var moduleIndex = moduleNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        using var output = new MemoryStream();
        using var writer = new BinaryWriter(output);
        writer.Write(_starts.Length);
        writer.Write(moduleNames.Count);
        foreach (var name in moduleNames)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_starts.AsSpan()));
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_nameOffsets.AsSpan()));
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_nameLengths.AsSpan()));
        foreach (var module in _modules) writer.Write(moduleIndex[module]);
        writer.Flush();
        return output.ToArray();
    }

    /// <summary>The table from <see cref="ToIndex"/>'s bytes (from <paramref name="start"/>) over the same text; null when they do not fit it.</summary>
    internal static KernelSymbols? FromIndex(byte[] text, byte[] index, int start = 0)
    {
        try
        {
            var reader = new BinaryReader(new MemoryStream(index, start, index.Length - start));
            int count = reader.ReadInt32(), moduleCount = reader.ReadInt32();
            if (count < 0 || moduleCount < 0 || moduleCount > count + 1) return null;
            var moduleNames = new string[moduleCount];
            for (int i = 0; i < moduleCount; i++) moduleNames[i] = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()));
            int at = start + (int)reader.BaseStream.Position;
            if (index.Length - at != (long)count * (8 + 4 + 4 + 4)) return null;
            var starts = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(index.AsSpan(at, count * 8)).ToArray();
            at += count * 8;
            var offsets = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(index.AsSpan(at, count * 4)).ToArray();
            at += count * 4;
            var lengths = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(index.AsSpan(at, count * 4)).ToArray();
            at += count * 4;
            var moduleOf = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(index.AsSpan(at, count * 4));
            var modules = new string[count];
            for (int i = 0; i < count; i++)
            {
                if ((uint)moduleOf[i] >= (uint)moduleCount || offsets[i] < 0 || lengths[i] < 0 || offsets[i] > text.Length - lengths[i]) return null;
                modules[i] = moduleNames[moduleOf[i]];
            }
            return new KernelSymbols(text, starts, offsets, lengths, modules);
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>The function whose start is the nearest at or below <paramref name="address"/>.</summary>
    public (string Name, string Module)? Lookup(ulong address)
    {
        int index = Array.BinarySearch(_starts, address);
        if (index < 0) index = ~index - 1;
        if (index < 0) return null;
        if (!_names.TryGetValue(index, out var name))
        {
            _names[index] = name = Encoding.UTF8.GetString(_text, _nameOffsets[index], _nameLengths[index]);
        }
        return (name, _modules[index]);
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
