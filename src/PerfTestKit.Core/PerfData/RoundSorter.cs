namespace PerfTestKit.PerfData;

/// <summary>
/// Puts records into timestamp order the way perf does, with memory bounded by about two rounds.
/// <code>
///   perf drains every CPU's ring buffer in a pass, then writes FINISHED_ROUND.
///   pass n:   cpu0 [t1 t4 t7]  cpu1 [t2 t3]          max time of pass n = T(n)
///   pass n+1: cpu0 [t9]        cpu1 [t5 t8 ...]       a CPU may still deliver events older than T(n) here,
///                                                     because it was drained before t4 was written
///   so at the end of pass n+1 every event up to T(n) has arrived: flush those, keep the rest.
/// </code>
/// A record's bytes are copied into an arena; the arena is compacted when everything flushed has been read.
/// </summary>
internal sealed class RoundSorter
{
    private struct Entry
    {
        public ulong Time;
        public long Sequence;
        public int ArenaOffset;
        public int Length;
        public long FileOffset;
        public int Tag;
    }

    private byte[] _arena = new byte[1 << 20];
    private byte[] _spare = new byte[1 << 20];
    private int _arenaUsed;
    private readonly List<Entry> _pending = new();
    private Entry[] _ready = new Entry[1024];
    private int _readyCount;
    private int _readyIndex;
    private long _sequence;
    private ulong _maxTimeSeen;
    private ulong _flushLimit;
    private bool _hasFlushLimit;

    public int PendingCount => _pending.Count;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Enqueue(ReadOnlySpan<byte> record, ulong time, long fileOffset, int tag)
    {
        EnsureArena(record.Length);
        record.CopyTo(_arena.AsSpan(_arenaUsed));
        _pending.Add(new Entry { Time = time, Sequence = _sequence++, ArenaOffset = _arenaUsed, Length = record.Length, FileOffset = fileOffset, Tag = tag });
        _arenaUsed += record.Length;
        if (time > _maxTimeSeen) _maxTimeSeen = time;
    }

    /// <summary>At FINISHED_ROUND: release everything up to the previous round's newest time.</summary>
    public void FinishRound()
    {
        if (_hasFlushLimit) Release(_flushLimit);
        _flushLimit = _maxTimeSeen;
        _hasFlushLimit = true;
    }

    /// <summary>At the end of the data (or when the writer is known to have flushed): release everything.</summary>
    public void FlushAll() => Release(ulong.MaxValue);

    /// <summary>When every record up to <paramref name="time"/> is known to have arrived: release those.</summary>
    public void ReleaseUpTo(ulong time) => Release(time);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool TryDequeue(out ReadOnlySpan<byte> record, out ulong time, out long fileOffset, out int tag)
    {
        if (_readyIndex < _readyCount)
        {
            ref var e = ref _ready[_readyIndex++];
            record = _arena.AsSpan(e.ArenaOffset, e.Length);
            time = e.Time;
            fileOffset = e.FileOffset;
            tag = e.Tag;
            return true;
        }
        record = default;
        time = 0;
        fileOffset = 0;
        tag = 0;
        return false;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Release(ulong limit)
    {
        if (_readyIndex < _readyCount) throw new InvalidOperationException("release while records are still queued for reading");
        _readyCount = 0;
        _readyIndex = 0;
        int kept = 0;
        for (int i = 0; i < _pending.Count; i++)
        {
            var e = _pending[i];
            if (e.Time <= limit)
            {
                if (_readyCount == _ready.Length) Array.Resize(ref _ready, _ready.Length * 2);
                _ready[_readyCount++] = e;
            }
            else
            {
                _pending[kept++] = e;
            }
        }
        _pending.RemoveRange(kept, _pending.Count - kept);
        var ready = _ready.AsSpan(0, _readyCount);
        // Most rounds are nearly in order already (each CPU's buffer is): check before sorting.
        if (!IsSorted(ready)) ready.Sort(new EntryComparer());
    }

    private static bool IsSorted(ReadOnlySpan<Entry> entries)
    {
        for (int i = 1; i < entries.Length; i++)
        {
            if (entries[i].Time < entries[i - 1].Time) return false;
        }
        return true;
    }

    /// <summary>Makes room for a record; records still to be read or pending move to a fresh buffer.</summary>
    private void EnsureArena(int length)
    {
        if (_arenaUsed + length <= _arena.Length) return;
        int live = 0;
        for (int i = _readyIndex; i < _readyCount; i++) live += _ready[i].Length;
        foreach (var e in _pending) live += e.Length;
        int needed = live + length;
        if (_spare.Length < needed) _spare = new byte[Math.Max(needed * 2, _arena.Length)];
        int used = 0;
        for (int i = _readyIndex; i < _readyCount; i++) Move(ref _ready[i], ref used);
        for (int i = 0; i < _pending.Count; i++)
        {
            var e = _pending[i];
            Move(ref e, ref used);
            _pending[i] = e;
        }
        (_arena, _spare) = (_spare, _arena);
        _arenaUsed = used;
        // The spare now holds the old arena: the record the caller may still hold stays valid until the next swap.
    }

    private void Move(ref Entry e, ref int used)
    {
        Buffer.BlockCopy(_arena, e.ArenaOffset, _spare, used, e.Length);
        e.ArenaOffset = used;
        used += e.Length;
    }

    /// <summary>A struct comparer, so that the sort is specialised for it rather than calling through an interface.</summary>
    private readonly struct EntryComparer : IComparer<Entry>
    {
        public int Compare(Entry x, Entry y)
        {
            int byTime = x.Time.CompareTo(y.Time);
            return byTime != 0 ? byTime : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
