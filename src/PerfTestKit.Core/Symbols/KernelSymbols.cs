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
        if (path == "/proc/kallsyms" && KallsymsCache.TryRead() is { } cached) return Parse(cached);
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
            if (path == "/proc/kallsyms") KallsymsCache.Write(buffer);
            return Parse(buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Empty;
        }
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
