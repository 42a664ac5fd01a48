using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PerfTestKit.Model;

/// <summary>
/// The samples of a profile, one column per field (time, stack, thread, event), indexed by sample. Arrays may be
/// longer than <see cref="Count"/>; only the first <see cref="Count"/> entries are samples.
/// </summary>
internal sealed class SampleColumns
{
    // A reservation this large is faulted in ahead, on another core (see Reserve).
    private const long PrefaultBytes = 4 << 20;
    private const int PageBytes = 4096;

    public ulong[] Times { get; private set; } = [];
    public int[] Stacks { get; private set; } = [];
    public int[] Threads { get; private set; } = [];
    public byte[] Events { get; private set; } = [];
    public int Count => _count;

    private int _count;
    private volatile bool _prefaultStop;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong time, int stack, int thread, byte eventIndex)
    {
        int at = _count;
        if (at == Times.Length) Grow(Math.Max(1024, at * 2L));
        Times[at] = time;
        Stacks[at] = stack;
        Threads[at] = thread;
        Events[at] = eventIndex;
        _count = at + 1;
    }

    /// <summary>
    /// Sizes the columns for <paramref name="capacity"/> samples up front: grown by doubling, they were allocated,
    /// faulted in and copied about twice over. Room that stays unused costs address space only. A large reservation
    /// is faulted in on a pool thread a little ahead of the samples added, until <see cref="EndPrefault"/>: a first
    /// write to each fresh page was a tenth of the thread building a large file's profile (page faults are dear on
    /// virtual machines), and faulting in the whole estimate would also fault in the room that stays unused.
    /// </summary>
    public void Reserve(long capacity)
    {
        if (capacity <= Times.Length) return;
        Grow(capacity);
        if (capacity * 17 >= PrefaultBytes)
        {
            _prefaultStop = false;
            ThreadPool.UnsafeQueueUserWorkItem(c => c.Prefault(c.Times, c.Stacks, c.Threads, c.Events), this, preferLocal: false);
        }
    }

    /// <summary>No more samples are coming: stops faulting in ahead of them.</summary>
    public void EndPrefault() => _prefaultStop = true;

    private void Grow(long capacity)
    {
        int size = (int)Math.Min(capacity, Array.MaxLength / 8);
        Times = Resized(Times, size);
        Stacks = Resized(Stacks, size);
        Threads = Resized(Threads, size);
        Events = Resized(Events, size);
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
    private void Prefault(ulong[] timeColumn, int[] stacks, int[] threads, byte[] eventColumn)
    {
        const int Lead = 1 << 17, SamplesPerTimePage = PageBytes / sizeof(ulong);
        var times = MemoryMarshal.Cast<ulong, int>(timeColumn.AsSpan());
        var events = MemoryMarshal.Cast<byte, int>(eventColumn.AsSpan());
        int sample = 0;
        // Columns grown past the estimate are new arrays: the old ones need nothing more.
        while (sample < timeColumn.Length && !_prefaultStop && ReferenceEquals(timeColumn, Times))
        {
            int target = (int)Math.Min(timeColumn.Length, (long)Volatile.Read(ref _count) + Lead);
            if (sample >= target)
            {
                Thread.Sleep(1);
                continue;
            }
            for (; sample < target; sample += SamplesPerTimePage)
            {
                Interlocked.Add(ref times[sample * 2], 0);
                if (sample % (PageBytes / sizeof(int)) != 0) continue;
                Interlocked.Add(ref stacks[sample], 0);
                Interlocked.Add(ref threads[sample], 0);
                if (sample % PageBytes == 0 && sample / 4 < events.Length) Interlocked.Add(ref events[sample / 4], 0);
            }
        }
    }
}
