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
        public int Pid;
        public ushort CpuMode;
        public int Start;
        public int Length;
        public int Stack;
        public int Next;
    }

    private readonly Dictionary<ulong, int> _heads = new();
    private readonly List<Entry> _entries = new();
    private ulong[] _store = new ulong[1 << 16];
    private int _storeUsed;
    private int _generation;


    /// <summary>
    /// The stack this chain was given before. A new symbolizer <paramref name="generation"/> (names learnt while
    /// following a live recording) forgets what was known.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(int pid, ushort cpuMode, ReadOnlySpan<ulong> chain, int generation, out int stack)
    {
        if (generation != _generation)
        {
            _heads.Clear();
            _entries.Clear();
            _storeUsed = 0;
            _generation = generation;
        }
        if (_heads.TryGetValue(Hash(pid, cpuMode, chain), out int i))
        {
            for (; i >= 0; i = _entries[i].Next)
            {
                var e = _entries[i];
                if (e.Pid == pid && e.CpuMode == cpuMode && _store.AsSpan(e.Start, e.Length).SequenceEqual(chain))
                {
                    stack = e.Stack;
                    return true;
                }
            }
        }
        stack = -1;
        return false;
    }

    public void Add(int pid, ushort cpuMode, ReadOnlySpan<ulong> chain, int stack)
    {
        ulong hash = Hash(pid, cpuMode, chain);
        int head = _heads.TryGetValue(hash, out int first) ? first : -1;
        if (_storeUsed + chain.Length > _store.Length) Array.Resize(ref _store, Math.Max(_store.Length * 2, _storeUsed + chain.Length));
        chain.CopyTo(_store.AsSpan(_storeUsed));
        _entries.Add(new Entry { Pid = pid, CpuMode = cpuMode, Start = _storeUsed, Length = chain.Length, Stack = stack, Next = head });
        _heads[hash] = _entries.Count - 1;
        _storeUsed += chain.Length;
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
