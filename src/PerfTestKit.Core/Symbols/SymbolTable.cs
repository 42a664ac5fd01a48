using System.Text;

namespace PerfTestKit.Symbols;

/// <summary>
/// Address ranges with names, sorted for binary search. Built once per binary, map or kernel.
/// Zero-sized symbols reach to the next symbol, as perf's symbols__fixup_end does.
/// Names may stay UTF-8 bytes (in the file's string table) until looked up: a sample touches a few hundred of a
/// library's tens of thousands of symbols, and decoding them all was most of loading one.
/// </summary>
public sealed class SymbolTable
{
    private readonly ulong[] _starts;
    private readonly ulong[] _ends;
    private readonly SymbolName[] _names;
    private readonly string?[] _decoded;

    private SymbolTable(ulong[] starts, ulong[] ends, SymbolName[] names)
    {
        _starts = starts;
        _ends = ends;
        _names = names;
        _decoded = new string?[names.Length];
    }

    public static SymbolTable Empty { get; } = new(Array.Empty<ulong>(), Array.Empty<ulong>(), Array.Empty<SymbolName>());

    public int Count => _starts.Length;

    /// <summary>The name of the symbol that covers <paramref name="address"/>, or null.</summary>
    public string? Lookup(ulong address) => TryLookup(address, out _, out var name) ? name : null;

    /// <summary>The start and name of the symbol that covers <paramref name="address"/>; false when none does.</summary>
    public bool TryLookup(ulong address, out ulong start, out string name)
    {
        int index = Array.BinarySearch(_starts, address);
        if (index < 0) index = ~index - 1;
        if (index < 0 || address >= _ends[index])
        {
            start = 0;
            name = "";
            return false;
        }
        start = _starts[index];
        // A race here decodes the same name twice at worst.
        name = _decoded[index] ??= _names[index].ToString();
        return true;
    }

    /// <summary>
    /// A symbol's name: a string, or UTF-8 bytes inside a buffer that the table keeps alive, of a known length or
    /// up to a NUL (an ELF string table: finding each end up front was a measurable part of loading a library).
    /// </summary>
    public readonly struct SymbolName
    {
        private readonly string? _text;
        private readonly byte[]? _bytes;
        private readonly int _offset;
        private readonly int _length; // -1: up to the NUL

        public SymbolName(string text)
        {
            _text = text;
            _bytes = null;
            _offset = _length = 0;
        }

        /// <param name="length">The length in bytes, or -1 for a NUL-terminated name.</param>
        public SymbolName(byte[] bytes, int offset, int length)
        {
            _text = null;
            _bytes = bytes;
            _offset = offset;
            _length = length;
        }

        /// <summary>Length in bytes for byte names (perf compares strlen), in chars for string names.</summary>
        public int Length => _text?.Length ?? ByteLength();

        private int ByteLength()
        {
            if (_bytes is null) return 0;
            if (_length >= 0) return _length;
            int end = _bytes.AsSpan(_offset).IndexOf((byte)0);
            return end < 0 ? _bytes.Length - _offset : end;
        }

        public int LeadingUnderscores()
        {
            int n = 0;
            if (_text is not null)
            {
                while (n < _text.Length && _text[n] == '_') n++;
            }
            else if (_bytes is not null)
            {
                int length = ByteLength();
                while (n < length && _bytes[_offset + n] == (byte)'_') n++;
            }
            return n;
        }

        public override string ToString() => _text ?? (_bytes is null ? "" : Encoding.UTF8.GetString(_bytes, _offset, ByteLength()));
    }

    /// <summary>Collects symbols and resolves duplicates and open ends the way perf does.</summary>
    public sealed class Builder
    {
        // Symbols added since the last Build, and the sorted, de-duplicated result of the builds before: a growing
        // perf map is rebuilt at every test's end, so a build sorts only what is new and merges it in.
        private readonly List<Candidate> _items = new();
        private List<Candidate> _kept = new();
        private int _added;

        /// <param name="rank">Among symbols at one address the higher rank wins (perf prefers global over weak over local).</param>
        public void Add(ulong start, ulong size, string name, int rank = 0) => Add(new Candidate(start, size, new SymbolName(name), rank));

        /// <summary>
        /// Adds a symbol whose name is <paramref name="length"/> UTF-8 bytes at <paramref name="offset"/> (-1: up to a
        /// NUL); the buffer must not change.
        /// </summary>
        public void Add(ulong start, ulong size, byte[] nameBytes, int offset, int length, int rank = 0) =>
            Add(new Candidate(start, size, new SymbolName(nameBytes, offset, length), rank));

        private void Add(Candidate candidate)
        {
            _items.Add(candidate);
            _added++;
        }

        /// <summary>
        /// Room for <paramref name="more"/> further symbols (a symbol table says how many it holds): growing the list
        /// by doubling, with a reference in each entry, was a fifth of loading a library's symbols.
        /// </summary>
        public void EnsureCapacity(int more) => _items.EnsureCapacity(_items.Count + more);

        /// <summary>Takes every symbol of <paramref name="other"/>, built or not, as added after this builder's own.</summary>
        public void AddAll(Builder other)
        {
            foreach (var candidate in other._kept) Add(candidate);
            foreach (var candidate in other._items) Add(candidate);
        }

        /// <summary>How many symbols were added in all (it only grows).</summary>
        public int Count => _added;

        /// <param name="openEndLimit">End for a zero-sized last symbol (e.g. the end of its section).</param>
        public SymbolTable Build(ulong openEndLimit = ulong.MaxValue)
        {
            // Stable: among equals the one added first wins, as in perf's symbol tree. Sorting bare keys with an
            // index array takes the runtime's primitive-key path (no comparer calls), and is not stable by itself:
            // runs of equal starts are put back into the order they were added.
            int count = _items.Count;
            var keys = new ulong[count];
            var order = new int[count];
            for (int i = 0; i < count; i++)
            {
                keys[i] = _items[i].Start;
                order[i] = i;
            }
            Array.Sort(keys, order);
            for (int i = 0; i < count;)
            {
                int j = i + 1;
                while (j < count && keys[j] == keys[i]) j++;
                if (j - i > 1) Array.Sort(order, i, j - i);
                i = j;
            }
            // Merge with the earlier builds' symbols, which were added first and so come first among equal starts.
            var kept = new List<Candidate>(_kept.Count + count);
            int old = 0, fresh = 0;
            while (old < _kept.Count || fresh < count)
            {
                var item = fresh == count || (old < _kept.Count && _kept[old].Start <= _items[order[fresh]].Start)
                    ? _kept[old++]
                    : _items[order[fresh++]];
                if (kept.Count > 0 && kept[^1].Start == item.Start)
                {
                    if (IsBetter(item, kept[^1])) kept[^1] = item;
                    continue;
                }
                kept.Add(item);
            }
            _kept = kept;
            _items.Clear();
            var starts = new ulong[kept.Count];
            var ends = new ulong[kept.Count];
            var names = new SymbolName[kept.Count];
            for (int i = 0; i < kept.Count; i++)
            {
                starts[i] = kept[i].Start;
                names[i] = kept[i].Name;
                ulong next = i + 1 < kept.Count ? kept[i + 1].Start : openEndLimit;
                ends[i] = kept[i].Size > 0 ? kept[i].Start + kept[i].Size : Math.Max(next, kept[i].Start + 1);
            }
            return new SymbolTable(starts, ends, names);
        }

        /// <summary>perf's choose_best_symbol: sized over zero-sized, then rank, fewer leading underscores, longer name.</summary>
        private static bool IsBetter(Candidate a, Candidate b)
        {
            if ((a.Size > 0) != (b.Size > 0)) return a.Size > 0;
            if (a.Rank != b.Rank) return a.Rank > b.Rank;
            int ua = a.Name.LeadingUnderscores(), ub = b.Name.LeadingUnderscores();
            if (ua != ub) return ua < ub;
            return a.Name.Length > b.Name.Length;
        }

        private readonly record struct Candidate(ulong Start, ulong Size, SymbolName Name, int Rank);
    }
}
