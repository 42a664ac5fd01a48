using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PerfTestKit.Model;

/// <summary>
/// The samples of a profile, one column per field, indexed by sample, in 10 bytes a sample: the time as 32-bit
/// nanoseconds after its block's first sample, the stack, and the sample's kind (its thread and event, which few
/// pairs cover). Every byte of these columns is a fresh page of memory the first time, and on the virtual machines
/// CI runs on a first touch of a page costs about 20 µs: plain columns (17 bytes a sample) were a fifth of the CPU
/// time of converting a 1.6M-sample file.
/// </summary>
internal sealed class SampleColumns
{
    private const int BlockBits = 12, BlockMask = (1 << BlockBits) - 1;
    private const int BytesPerSample = sizeof(uint) + sizeof(int) + sizeof(ushort);
    // A reservation this large is faulted in ahead, on another core (see Reserve).
    private const long PrefaultBytes = 4 << 20;
    private const int PageBytes = 4096;

    private ulong[] _blockStart = [];
    private ulong[]?[] _wideBlockTimes = [];    // a block whose times do not fit 32-bit offsets (or go backwards)
    private uint[] _timeOffsets = [];
    private int[] _stacks = [];
    private ushort[] _kinds = [];
    private int[]? _wideKinds;                  // once there are more than 65536 (thread, event) pairs

    private readonly List<int> _kindThread = [];
    private readonly List<byte> _kindEvent = [];
    private int[] _kindOfThread = [];           // event 0, the usual one: kind + 1 by thread (0: none yet)
    private readonly Dictionary<(int Thread, byte Event), int> _kindOfThreadAndEvent = new();

    private int _count;
    private volatile bool _prefaultStop;

    public int Count => _count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Time(int sample)
    {
        int block = sample >> BlockBits;
        return _wideBlockTimes[block] is { } wide ? wide[sample & BlockMask] : _blockStart[block] + _timeOffsets[sample];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Stack(int sample) => _stacks[sample];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Thread(int sample) => _kindThread[Kind(sample)];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Event(int sample) => _kindEvent[Kind(sample)];

    /// <summary>The sample's kind: its (thread, event) pair, numbered from 0 to <see cref="KindCount"/> - 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Kind(int sample) => _wideKinds is { } wide ? wide[sample] : _kinds[sample];

    public int KindCount => _kindThread.Count;

    public int ThreadOfKind(int kind) => _kindThread[kind];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong time, int stack, int thread, byte eventIndex)
    {
        int at = _count;
        if (at == _stacks.Length) Grow(Math.Max(1 << BlockBits, at * 2L));
        SetTime(at, time);
        _stacks[at] = stack;
        int kind = KindOf(thread, eventIndex);
        if (_wideKinds is { } wide) wide[at] = kind;
        else if (kind <= ushort.MaxValue) _kinds[at] = (ushort)kind;
        else
        {
            _wideKinds = new int[_stacks.Length];
            for (int i = 0; i < at; i++) _wideKinds[i] = _kinds[i];
            _wideKinds[at] = kind;
            _kinds = [];
        }
        _count = at + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetTime(int sample, ulong time)
    {
        int block = sample >> BlockBits;
        if ((sample & BlockMask) == 0) _blockStart[block] = time;
        if (_wideBlockTimes[block] is { } wide)
        {
            wide[sample & BlockMask] = time;
            return;
        }
        ulong offset = time - _blockStart[block];
        if (time >= _blockStart[block] && offset <= uint.MaxValue)
        {
            _timeOffsets[sample] = (uint)offset;
            return;
        }
        // Samples more than 4.3 s apart within one block (sparse sampling), or out of order: this block keeps
        // whole times.
        wide = new ulong[1 << BlockBits];
        int first = sample & ~BlockMask;
        for (int i = first; i < sample; i++) wide[i - first] = _blockStart[block] + _timeOffsets[i];
        wide[sample - first] = time;
        _wideBlockTimes[block] = wide;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int KindOf(int thread, byte eventIndex)
    {
        if (eventIndex == 0 && thread < _kindOfThread.Length && _kindOfThread[thread] > 0) return _kindOfThread[thread] - 1;
        return NewKindOf(thread, eventIndex);
    }

    private int NewKindOf(int thread, byte eventIndex)
    {
        if (eventIndex == 0)
        {
            if (thread >= _kindOfThread.Length) Array.Resize(ref _kindOfThread, Math.Max(thread + 1, _kindOfThread.Length * 2));
            if (_kindOfThread[thread] == 0)
            {
                _kindThread.Add(thread);
                _kindEvent.Add(0);
                _kindOfThread[thread] = _kindThread.Count;
            }
            return _kindOfThread[thread] - 1;
        }
        if (!_kindOfThreadAndEvent.TryGetValue((thread, eventIndex), out int kind))
        {
            kind = _kindThread.Count;
            _kindThread.Add(thread);
            _kindEvent.Add(eventIndex);
            _kindOfThreadAndEvent[(thread, eventIndex)] = kind;
        }
        return kind;
    }

    /// <summary>
    /// Sizes the columns for <paramref name="capacity"/> samples up front: grown by doubling, they were allocated,
    /// faulted in and copied about twice over. Room that stays unused costs address space only. A large reservation
    /// is faulted in on a pool thread a little ahead of the samples added, until <see cref="EndPrefault"/>: a first
    /// write to each fresh page was a tenth of the thread building a large file's profile, and faulting in the
    /// whole estimate would also fault in the room that stays unused.
    /// </summary>
    public void Reserve(long capacity)
    {
        if (capacity <= _stacks.Length) return;
        Grow(capacity);
        if (capacity * BytesPerSample >= PrefaultBytes)
        {
            _prefaultStop = false;
            ThreadPool.UnsafeQueueUserWorkItem(c => c.Prefault(c._timeOffsets, c._stacks, c._kinds), this, preferLocal: false);
        }
    }

    /// <summary>No more samples are coming: stops faulting in ahead of them.</summary>
    public void EndPrefault() => _prefaultStop = true;

    private void Grow(long capacity)
    {
        int size = (int)Math.Min((capacity + BlockMask) & ~(long)BlockMask, Array.MaxLength / 8 & ~BlockMask);
        int blocks = size >> BlockBits;
        Array.Resize(ref _blockStart, blocks);
        Array.Resize(ref _wideBlockTimes, blocks);
        _timeOffsets = Resized(_timeOffsets, size);
        _stacks = Resized(_stacks, size);
        if (_wideKinds is not null) _wideKinds = Resized(_wideKinds, size);
        else _kinds = Resized(_kinds, size);
    }

    private T[] Resized<T>(T[] old, int size) where T : unmanaged
    {
        var grown = GC.AllocateUninitializedArray<T>(size);
        old.AsSpan(0, _count).CopyTo(grown);
        return grown;
    }

    /// <summary>
    /// Touches one word per page with an atomic add of zero, which writes back whatever is there: the building
    /// thread may be writing the same page at that moment, and neither write can undo the other. The columns are
    /// touched side by side, up to a lead over the samples added so far.
    /// </summary>
    private void Prefault(uint[] timeOffsets, int[] stacks, ushort[] kindColumn)
    {
        const int Lead = 1 << 17, SamplesPerPage = PageBytes / sizeof(int);
        var times = MemoryMarshal.Cast<uint, int>(timeOffsets.AsSpan());
        var kinds = MemoryMarshal.Cast<ushort, int>(kindColumn.AsSpan());
        int sample = 0;
        // Columns grown past the estimate are new arrays: the old ones need nothing more.
        while (sample < stacks.Length && !_prefaultStop && ReferenceEquals(stacks, _stacks))
        {
            int target = (int)Math.Min(stacks.Length, (long)Volatile.Read(ref _count) + Lead);
            if (sample >= target)
            {
                System.Threading.Thread.Sleep(1);
                continue;
            }
            for (; sample < target; sample += SamplesPerPage)
            {
                Interlocked.Add(ref times[sample], 0);
                Interlocked.Add(ref stacks[sample], 0);
                if (sample % (2 * SamplesPerPage) == 0 && sample / 2 < kinds.Length) Interlocked.Add(ref kinds[sample / 2], 0);
            }
        }
    }
}
