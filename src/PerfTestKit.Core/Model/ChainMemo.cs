namespace PerfTestKit.Model;

/// <summary>
/// The last call chain a thread's samples brought (raw addresses, leaf first), with the stack of each of its
/// suffixes. A thread's next new chain usually differs only in its last few frames (another instruction of the
/// same loop, another callee), so only those are named and interned; the shared part toward the root is reused.
/// </summary>
internal sealed class ChainMemo
{
    private ulong[] _chain = new ulong[64];
    private bool[] _kernel = new bool[64];
    private int[] _stackFrom = new int[64];
    private int _length;

    public int Pid { get; private set; } = -1;
    public int Generation { get; private set; } = -1;

    /// <summary>
    /// How many entries at the root end of <paramref name="chain"/> equal the remembered chain's (same address,
    /// read in the same kernel/user context), for the same process and symbol generation.
    /// </summary>
    public int SharedSuffix(int pid, int generation, ReadOnlySpan<ulong> chain, ReadOnlySpan<bool> kernel)
    {
        if (pid != Pid || generation != Generation) return 0;
        int shared = 0, max = Math.Min(chain.Length, _length);
        while (shared < max && chain[^(shared + 1)] == _chain[_length - shared - 1] && kernel[^(shared + 1)] == _kernel[_length - shared - 1])
        {
            shared++;
        }
        return shared;
    }

    /// <summary>The stack of the remembered chain's last <paramref name="entries"/> entries (the root end).</summary>
    public int StackOfSuffix(int entries) => entries == 0 ? Profile.EmptyStack : _stackFrom[_length - entries];

    /// <summary>The stacks of the remembered chain's last <paramref name="entries"/> entries, one per entry.</summary>
    public void CopySuffixStacks(int entries, Span<int> destination) =>
        _stackFrom.AsSpan(_length - entries, entries).CopyTo(destination);

    /// <summary>Remembers a chain; <paramref name="stackFrom"/>[i] is the stack of entries i to the end.</summary>
    public void Remember(int pid, int generation, ReadOnlySpan<ulong> chain, ReadOnlySpan<bool> kernel, ReadOnlySpan<int> stackFrom)
    {
        if (_chain.Length < chain.Length)
        {
            int size = Math.Max(chain.Length, _chain.Length * 2);
            _chain = new ulong[size];
            _kernel = new bool[size];
            _stackFrom = new int[size];
        }
        chain.CopyTo(_chain);
        kernel.CopyTo(_kernel);
        stackFrom.CopyTo(_stackFrom);
        _length = chain.Length;
        Pid = pid;
        Generation = generation;
    }
}
