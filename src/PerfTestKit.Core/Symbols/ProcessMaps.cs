namespace PerfTestKit.Symbols;

/// <summary>One executable mapping of a process, as MMAP/MMAP2 reported it.</summary>
public sealed record Mapping(ulong Start, ulong End, ulong PageOffset, string FileName)
{
    public bool Contains(ulong address) => address >= Start && address < End;
}

/// <summary>A process's executable mappings over time: a new mapping replaces whatever it overlaps.</summary>
public sealed class ProcessMaps
{
    private readonly List<Mapping> _mappings = new();
    private Mapping? _lastHit;

    public IReadOnlyList<Mapping> Mappings => _mappings;

    public void Add(Mapping mapping)
    {
        _lastHit = null;
        int i = LowerBound(mapping.Start);
        if (i > 0 && _mappings[i - 1].End > mapping.Start) i--;
        var pieces = new List<Mapping>();
        while (i < _mappings.Count && _mappings[i].Start < mapping.End)
        {
            var old = _mappings[i];
            _mappings.RemoveAt(i);
            if (old.Start < mapping.Start) pieces.Add(old with { End = mapping.Start });
            if (old.End > mapping.End) pieces.Add(old with { Start = mapping.End, PageOffset = old.PageOffset + (mapping.End - old.Start) });
        }
        pieces.Add(mapping);
        foreach (var piece in pieces) _mappings.Insert(LowerBound(piece.Start), piece);
    }

    public void Clear()
    {
        _mappings.Clear();
        _lastHit = null;
    }

    public void CopyFrom(ProcessMaps parent)
    {
        Clear();
        _mappings.AddRange(parent._mappings);
    }

    public Mapping? Find(ulong address)
    {
        if (_lastHit is { } hit && hit.Contains(address)) return hit;
        int i = LowerBound(address + 1) - 1;
        if (i >= 0 && _mappings[i].Contains(address)) return _lastHit = _mappings[i];
        return null;
    }

    private int LowerBound(ulong start)
    {
        int lo = 0, hi = _mappings.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_mappings[mid].Start < start) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
