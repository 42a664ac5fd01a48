using System.Globalization;

namespace PerfTestKit.Symbols;

/// <summary>Kernel and module function names from /proc/kallsyms (or a saved copy of it).</summary>
public sealed class KernelSymbols
{
    public const string KernelModule = "[kernel.kallsyms]";

    private readonly ulong[] _starts;
    private readonly string[] _names;
    private readonly string[] _modules;

    private KernelSymbols(ulong[] starts, string[] names, string[] modules)
    {
        _starts = starts;
        _names = names;
        _modules = modules;
    }

    public static KernelSymbols Empty { get; } = new(Array.Empty<ulong>(), Array.Empty<string>(), Array.Empty<string>());

    public int Count => _starts.Length;

    /// <summary>Loads kallsyms; an unreadable file or one with hidden addresses (kptr_restrict) gives an empty table.</summary>
    public static KernelSymbols Load(string path = "/proc/kallsyms")
    {
        try
        {
            using var reader = new StreamReader(path);
            return Parse(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Empty;
        }
    }

    public static KernelSymbols Parse(TextReader reader)
    {
        var entries = new List<(ulong Start, string Name, string Module)>();
        var modules = new Dictionary<string, string>(StringComparer.Ordinal);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            // "ffffffff81000000 T _stext" or "ffffffffc0a01000 t foo\t[kvm]"
            int space1 = line.IndexOf(' ');
            if (space1 <= 0 || space1 + 3 > line.Length) continue;
            char type = char.ToUpperInvariant(line[space1 + 1]);
            if (type is not ('T' or 'W' or 'D' or 'B')) continue; // perf's symbol_type__filter
            if (!ulong.TryParse(line.AsSpan(0, space1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start) || start == 0)
            {
                continue;
            }
            var rest = line.AsSpan(space1 + 3);
            string module = KernelModule;
            int tab = rest.IndexOf('\t');
            if (tab >= 0)
            {
                var mod = rest[(tab + 1)..].Trim();
                string key = mod.ToString();
                if (!modules.TryGetValue(key, out var interned)) modules[key] = interned = key;
                module = interned;
                rest = rest[..tab];
            }
            entries.Add((start, rest.ToString(), module));
        }
        entries.Sort((a, b) => a.Start.CompareTo(b.Start));
        return new KernelSymbols(entries.Select(e => e.Start).ToArray(), entries.Select(e => e.Name).ToArray(),
            entries.Select(e => e.Module).ToArray());
    }

    /// <summary>The function whose start is the nearest at or below <paramref name="address"/>.</summary>
    public (string Name, string Module)? Lookup(ulong address)
    {
        int index = Array.BinarySearch(_starts, address);
        if (index < 0) index = ~index - 1;
        if (index < 0) return null;
        return (_names[index], _modules[index]);
    }
}
