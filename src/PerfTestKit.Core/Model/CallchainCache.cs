using System.Numerics;

namespace PerfTestKit.Model;

/// <summary>
/// Call chains already turned into stacks, by content: a hot loop repeats the same few chains thousands of times,
/// so most samples cost one hash and one comparison instead of a lookup per frame. Memory grows with the number
/// of distinct chains, not with the samples.
/// </summary>
internal sealed class CallchainCache
{
    private struct Entry
    {
        public ulong Hash;
        public int Pid;
        public ushort CpuMode;
        public int Chunk;
        public int Start;
        public int Length;
        public int Stack;
        public int Next;
    }

    // Open hashing on the full hash: buckets hold an entry index plus one (0: empty), entries chain through Next.
    // A Dictionary<ulong, int> here cost as much as hashing the chain itself.
    private int[] _buckets = new int[1 << 12];
    private Entry[] _entries = new Entry[1 << 12];
    private int _count;
    // The chains' addresses, in chunks that are never copied: a single array grown by doubling copied and faulted in
    // its contents about twice (a large file has tens of megabytes of distinct chains).
    private const int ChunkLength = 1 << 16;
    private readonly List<ulong[]> _chunks = [new ulong[ChunkLength]];
    private int _chunkUsed;
    private int _generation;

    // Each thread's latest chain, direct-mapped by tid: in a hot loop the next sample often has the very same chain
    // (half the samples of the recordings measured), and comparing with it skips the hash and the table.
    private readonly (int TidPlusOne, int Entry)[] _latestByTid = new (int, int)[1024];

    /// <summary>
    /// The stack this chain was given before. A new symbolizer <paramref name="generation"/> (names learnt while
    /// following a live recording) forgets what was known.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(int pid, int tid, ushort cpuMode, ReadOnlySpan<ulong> chain, int generation, out int stack)
    {
        if (generation != _generation)
        {
            Array.Clear(_buckets);
            Array.Clear(_latestByTid);
            _count = 0;
            _chunks.RemoveRange(1, _chunks.Count - 1);
            _chunkUsed = 0;
            _generation = generation;
        }
        var entries = _entries;
        ref var latest = ref _latestByTid[tid & (_latestByTid.Length - 1)];
        if (latest.TidPlusOne == tid + 1 && Matches(entries[latest.Entry], pid, cpuMode, chain))
        {
            stack = entries[latest.Entry].Stack;
            return true;
        }
        ulong hash = Hash(pid, cpuMode, chain);
        for (int i = _buckets[(int)hash & (_buckets.Length - 1)] - 1; i >= 0; i = entries[i].Next)
        {
            ref readonly var e = ref entries[i];
            if (e.Hash == hash && Matches(e, pid, cpuMode, chain))
            {
                latest = (tid + 1, i);
                stack = e.Stack;
                return true;
            }
        }
        stack = -1;
        return false;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private bool Matches(in Entry e, int pid, ushort cpuMode, ReadOnlySpan<ulong> chain) =>
        e.Pid == pid && e.CpuMode == cpuMode && e.Length == chain.Length && _chunks[e.Chunk].AsSpan(e.Start, e.Length).SequenceEqual(chain);

    public void Add(int pid, int tid, ushort cpuMode, ReadOnlySpan<ulong> chain, int stack)
    {
        _latestByTid[tid & (_latestByTid.Length - 1)] = (tid + 1, _count);
        ulong hash = Hash(pid, cpuMode, chain);
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _count * 2);
            Rehash(_count * 2);
        }
        if (_chunkUsed + chain.Length > _chunks[^1].Length)
        {
            _chunks.Add(new ulong[Math.Max(ChunkLength, chain.Length)]);
            _chunkUsed = 0;
        }
        chain.CopyTo(_chunks[^1].AsSpan(_chunkUsed));
        ref int bucket = ref _buckets[(int)hash & (_buckets.Length - 1)];
        _entries[_count] = new Entry { Hash = hash, Pid = pid, CpuMode = cpuMode, Chunk = _chunks.Count - 1, Start = _chunkUsed, Length = chain.Length, Stack = stack, Next = bucket - 1 };
        bucket = ++_count;
        _chunkUsed += chain.Length;
    }

    private void Rehash(int bucketCount)
    {
        _buckets = new int[bucketCount];
        for (int i = 0; i < _count; i++)
        {
            ref int bucket = ref _buckets[(int)_entries[i].Hash & (bucketCount - 1)];
            _entries[i].Next = bucket - 1;
            bucket = i + 1;
        }
    }

    /// <summary>
    /// Four independent lanes, combined at the end: a single multiply-xor chain waits on each multiply, and hashing
    /// every sample's 50-100 addresses that way was a tenth of building a large file's profile.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static ulong Hash(int pid, ushort cpuMode, ReadOnlySpan<ulong> chain)
    {
        const ulong Multiplier = 0xBF58476D1CE4E5B9UL;
        ulong a = 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)pid << 16) ^ cpuMode, b = 0x94D049BB133111EBUL, c = 0x2545F4914F6CDD1DUL, d = (ulong)chain.Length;
        int i = 0;
        for (; i + 4 <= chain.Length; i += 4)
        {
            a = (a ^ chain[i]) * Multiplier;
            b = (b ^ chain[i + 1]) * Multiplier;
            c = (c ^ chain[i + 2]) * Multiplier;
            d = (d ^ chain[i + 3]) * Multiplier;
            a ^= a >> 31;
            b ^= b >> 31;
            c ^= c >> 31;
            d ^= d >> 31;
        }
        for (; i < chain.Length; i++)
        {
            a = (a ^ chain[i]) * Multiplier;
            a ^= a >> 31;
        }
        ulong h = a ^ BitOperations.RotateLeft(b, 16) ^ BitOperations.RotateLeft(c, 32) ^ BitOperations.RotateLeft(d, 48);
        h *= Multiplier;
        return h ^ (h >> 29);
    }
}
