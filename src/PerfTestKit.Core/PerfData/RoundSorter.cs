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
/// Records stay where they were read: the reader reads into chunks rented from here (<see cref="RentChunk"/>) and
/// queues each record by its place in one (<see cref="EnqueueInPlace"/>); <see cref="Enqueue"/> copies a record into
/// a chunk of the sorter's own. A chunk is reused once nobody fills it and every record in it was read (or, when
/// read leased, its lease ended). Copying each record out of the read buffer was a tenth of reading a large file.
/// A released round is a few ascending runs (one per CPU buffer drained), so it is ordered by merging those runs
/// (stable, so equal times keep their arrival order as in perf) rather than by a general sort.
/// </summary>
internal sealed class RoundSorter
{
    private struct Entry
    {
        public ulong Time;
        public int Chunk;
        public int Offset;
        public int Length;
        public long FileOffset;
        public int Tag;
    }

    public const int ChunkSize = 1 << 20;
    private readonly List<byte[]> _chunks = new();
    private int[] _liveInChunk = new int[8];
    private bool[] _held = new bool[8];          // being filled: by the reader (rented) or by Enqueue (_current)
    private readonly Stack<int> _freeChunks = new();
    private int _current = -1;
    private int _currentUsed;
    private int _lastReadChunk = -1;
    private readonly List<Entry> _pending = new();
    private Entry[] _ready = new Entry[1024];
    private Entry[] _mergeScratch = new Entry[1024];
    private int _readyCount;
    private int _readyIndex;
    private ulong _maxTimeSeen;
    private ulong _flushLimit;
    private bool _hasFlushLimit;

    public int PendingCount => _pending.Count;

    /// <summary>Queues a copy of <paramref name="record"/>.</summary>
    public void Enqueue(ReadOnlySpan<byte> record, ulong time, long fileOffset, int tag)
    {
        ForgetLastRead();
        if (_current < 0 || _currentUsed + record.Length > _chunks[_current].Length) StartChunk(record.Length);
        record.CopyTo(_chunks[_current].AsSpan(_currentUsed));
        EnqueueInPlace(_current, _currentUsed, record.Length, time, fileOffset, tag);
        _currentUsed += record.Length;
    }

    /// <summary>
    /// Queues the record that lies at <paramref name="offset"/> in a rented chunk, without copying it: the chunk's
    /// bytes there must not change until the record was read.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void EnqueueInPlace(int chunk, int offset, int length, ulong time, long fileOffset, int tag)
    {
        ForgetLastRead();
        _pending.Add(new Entry { Time = time, Chunk = chunk, Offset = offset, Length = length, FileOffset = fileOffset, Tag = tag });
        _liveInChunk[chunk]++;
        if (time > _maxTimeSeen) _maxTimeSeen = time;
    }

    /// <summary>A chunk of at least <paramref name="minLength"/> bytes to read records into, held until <see cref="ReturnChunk"/>.</summary>
    public int RentChunk(int minLength)
    {
        int chunk = TakeChunk(minLength);
        _held[chunk] = true;
        return chunk;
    }

    public byte[] Chunk(int chunk) => _chunks[chunk];

    /// <summary>Whether records queued from the chunk are still to be read (then its bytes must stay).</summary>
    public bool HasLiveRecords(int chunk) => _liveInChunk[chunk] > 0;

    /// <summary>The reader fills the chunk no more: it is reused once its records were read.</summary>
    public void ReturnChunk(int chunk)
    {
        _held[chunk] = false;
        if (_liveInChunk[chunk] == 0) _freeChunks.Push(chunk);
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

    /// <summary>The next record in time order; its bytes stay valid until the next call.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool TryDequeue(out ReadOnlySpan<byte> record, out ulong time, out long fileOffset, out int tag)
    {
        if (TryDequeueLeased(out int chunk, out int offset, out int length, out time, out fileOffset, out tag))
        {
            record = _chunks[chunk].AsSpan(offset, length);
            _lastReadChunk = chunk;
            return true;
        }
        record = default;
        return false;
    }

    /// <summary>
    /// The next record in time order, as its place in a chunk (<see cref="Chunk"/>); its bytes stay valid until
    /// <see cref="EndLease"/> for that chunk, whatever is read meanwhile.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool TryDequeueLeased(out int chunk, out int offset, out int length, out ulong time, out long fileOffset, out int tag)
    {
        ForgetLastRead();
        if (_readyIndex < _readyCount)
        {
            ref var e = ref _ready[_readyIndex++];
            chunk = e.Chunk;
            offset = e.Offset;
            length = e.Length;
            time = e.Time;
            fileOffset = e.FileOffset;
            tag = e.Tag;
            return true;
        }
        chunk = offset = length = tag = 0;
        time = 0;
        fileOffset = 0;
        return false;
    }

    /// <summary>A record read with <see cref="TryDequeueLeased"/> from this chunk is done with.</summary>
    public void EndLease(int chunk)
    {
        if (--_liveInChunk[chunk] > 0 || _held[chunk]) return;
        _freeChunks.Push(chunk);
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
        // _ready holds the entries in arrival order; most rounds are nearly in order already (each CPU's buffer is).
        SortByTimeStable();
    }

    /// <summary>
    /// Bottom-up natural merge sort of _ready by time: finds the ascending runs, then merges neighbours until one
    /// run is left. O(n log runs), and a round has about one run per CPU.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void SortByTimeStable()
    {
        int n = _readyCount;
        if (n < 2) return;
        _runEnds.Clear();
        for (int i = 1; i < n; i++)
        {
            if (_ready[i].Time < _ready[i - 1].Time) _runEnds.Add(i);
        }
        if (_runEnds.Count == 0) return;
        _runEnds.Add(n);
        if (_mergeScratch.Length < _ready.Length) _mergeScratch = new Entry[_ready.Length];
        var source = _ready;
        var target = _mergeScratch;
        while (_runEnds.Count > 1)
        {
            int start = 0, kept = 0;
            for (int r = 0; r < _runEnds.Count; r += 2)
            {
                int middle = _runEnds[r];
                int end = r + 1 < _runEnds.Count ? _runEnds[r + 1] : middle;
                Merge(source, target, start, middle, end);
                _runEnds[kept++] = end;
                start = end;
            }
            _runEnds.RemoveRange(kept, _runEnds.Count - kept);
            (source, target) = (target, source);
        }
        // The sorted entries may have ended up in the scratch array: then it becomes the ready array.
        _mergeScratch = target;
        _ready = source;
    }

    private readonly List<int> _runEnds = new();

    /// <summary>Merges source[start, middle) and source[middle, end) into target[start, end); left wins ties.</summary>
    private static void Merge(Entry[] source, Entry[] target, int start, int middle, int end)
    {
        int left = start, right = middle, to = start;
        while (left < middle && right < end)
        {
            target[to++] = source[right].Time < source[left].Time ? source[right++] : source[left++];
        }
        if (left < middle) Array.Copy(source, left, target, to, middle - left);
        else if (right < end) Array.Copy(source, right, target, to, end - right);
    }

    /// <summary>
    /// The record handed out last is done with once the sorter is called again: its chunk holds one record fewer,
    /// and an emptied chunk is free (the current one just starts over).
    /// </summary>
    private void ForgetLastRead()
    {
        if (_lastReadChunk < 0) return;
        int chunk = _lastReadChunk;
        _lastReadChunk = -1;
        if (--_liveInChunk[chunk] > 0) return;
        if (chunk == _current) _currentUsed = 0;
        else if (!_held[chunk]) _freeChunks.Push(chunk);
    }

    /// <summary>Enqueue's copies go to a chunk the sorter rents from itself, as the reader does.</summary>
    private void StartChunk(int length)
    {
        if (_current >= 0) ReturnChunk(_current);
        _current = RentChunk(length);
        _currentUsed = 0;
    }

    /// <summary>A free chunk, or a new one: perf's records are under 64 KB; a larger one (never seen) gets a chunk of its own size.</summary>
    private int TakeChunk(int length)
    {
        if (_freeChunks.Count > 0 && length <= ChunkSize) return _freeChunks.Pop();
        _chunks.Add(new byte[Math.Max(ChunkSize, length)]);
        int chunk = _chunks.Count - 1;
        if (chunk == _liveInChunk.Length)
        {
            Array.Resize(ref _liveInChunk, chunk * 2);
            Array.Resize(ref _held, chunk * 2);
        }
        return chunk;
    }
}
