namespace PerfTestKit.Symbols;

/// <summary>
/// Address ranges with names, sorted for binary search. Built once per binary, map or kernel.
/// Zero-sized symbols reach to the next symbol, as perf's symbols__fixup_end does.
/// </summary>
public sealed class SymbolTable
{
    private readonly ulong[] _starts;
    private readonly ulong[] _ends;
    private readonly string[] _names;

    private SymbolTable(ulong[] starts, ulong[] ends, string[] names)
    {
        _starts = starts;
        _ends = ends;
        _names = names;
    }

    public static SymbolTable Empty { get; } = new(Array.Empty<ulong>(), Array.Empty<ulong>(), Array.Empty<string>());

    public int Count => _starts.Length;

    /// <summary>The name of the symbol that covers <paramref name="address"/>, or null.</summary>
    public string? Lookup(ulong address)
    {
        int index = Array.BinarySearch(_starts, address);
        if (index < 0) index = ~index - 1;
        if (index < 0) return null;
        return address < _ends[index] ? _names[index] : null;
    }

    /// <summary>Collects symbols and resolves duplicates and open ends the way perf does.</summary>
    public sealed class Builder
    {
        private readonly List<Candidate> _items = new();

        /// <param name="rank">Among symbols at one address the higher rank wins (perf prefers global over weak over local).</param>
        public void Add(ulong start, ulong size, string name, int rank = 0) => _items.Add(new Candidate(start, size, name, rank));

        public int Count => _items.Count;

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
            var kept = new List<Candidate>(count);
            foreach (int index in order)
            {
                var item = _items[index];
                if (kept.Count > 0 && kept[^1].Start == item.Start)
                {
                    if (IsBetter(item, kept[^1])) kept[^1] = item;
                    continue;
                }
                kept.Add(item);
            }
            var starts = new ulong[kept.Count];
            var ends = new ulong[kept.Count];
            var names = new string[kept.Count];
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
            int ua = LeadingUnderscores(a.Name), ub = LeadingUnderscores(b.Name);
            if (ua != ub) return ua < ub;
            return a.Name.Length > b.Name.Length;
        }

        private static int LeadingUnderscores(string name)
        {
            int n = 0;
            while (n < name.Length && name[n] == '_') n++;
            return n;
        }

        private readonly record struct Candidate(ulong Start, ulong Size, string Name, int Rank);
    }
}
