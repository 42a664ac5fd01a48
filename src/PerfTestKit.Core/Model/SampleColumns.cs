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
    public int Count { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong time, int stack, int thread, byte eventIndex)
    {
        int at = Count;
        if (at == Times.Length) Grow(Math.Max(1024, at * 2L));
        Times[at] = time;
        Stacks[at] = stack;
        Threads[at] = thread;
        Events[at] = eventIndex;
        Count = at + 1;
    }

    /// <summary>
    /// Sizes the columns for <paramref name="capacity"/> samples up front: grown by doubling, they were allocated,
    /// faulted in and copied about twice over. Room that stays unused costs address space only, except that a large
    /// reservation is faulted in on a pool thread while the samples are being read: a first write to each fresh
    /// page was a tenth of the thread building a large file's profile (page faults are dear on virtual machines).
    /// </summary>
    public void Reserve(long capacity)
    {
        if (capacity <= Times.Length) return;
        Grow(capacity);
        if (capacity * 17 >= PrefaultBytes) ThreadPool.UnsafeQueueUserWorkItem(Prefault, (Times, Stacks, Threads, Events), preferLocal: false);
    }

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
        old.AsSpan(0, Count).CopyTo(grown);
        return grown;
    }

    /// <summary>
    /// Touches one word per page with an atomic add of zero, which writes back whatever is there: the building
    /// thread may be writing the same page at that moment, and neither write can undo the other.
    /// </summary>
    private static void Prefault((ulong[] Times, int[] Stacks, int[] Threads, byte[] Events) columns)
    {
        Touch(MemoryMarshal.Cast<ulong, int>(columns.Times.AsSpan()));
        Touch(columns.Stacks);
        Touch(columns.Threads);
        Touch(MemoryMarshal.Cast<byte, int>(columns.Events.AsSpan()));
    }

    private static void Touch(Span<int> words)
    {
        for (int i = 0; i < words.Length; i += PageBytes / sizeof(int)) Interlocked.Add(ref words[i], 0);
    }
}
