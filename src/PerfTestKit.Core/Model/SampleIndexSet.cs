using System.Collections;

namespace PerfTestKit.Model;

/// <summary>
/// Which samples of a profile a view holds, in time order: a contiguous range (a time window of every thread,
/// the common case, stored as two numbers: listing a large file's 1.6M indices cost as much as writing folded
/// stacks) or a list of indices (a filter that skips some).
/// </summary>
internal sealed class SampleIndexSet : IReadOnlyList<int>
{
    private readonly int[]? _indices;
    private readonly int _start;

    private SampleIndexSet(int[]? indices, int start, int count)
    {
        _indices = indices;
        _start = start;
        Count = count;
    }

    public static SampleIndexSet Range(int start, int count) => new(null, start, count);

    public static SampleIndexSet Of(int[] indices) => new(indices, 0, indices.Length);

    public int Count { get; }

    public int this[int index]
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_indices is { } list) return list[index];
            if ((uint)index >= (uint)Count) ThrowOutOfRange(index);
            return _start + index;
        }
    }

    private static void ThrowOutOfRange(int index) => throw new ArgumentOutOfRangeException(nameof(index), index, "no such sample in the view");

    public Enumerator GetEnumerator() => new(_indices, _start, Count);

    IEnumerator<int> IEnumerable<int>.GetEnumerator()
    {
        foreach (int index in this) yield return index;
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<int>)this).GetEnumerator();

    public struct Enumerator
    {
        private readonly int[]? _indices;
        private readonly int _offset;
        private readonly int _count;
        private int _at;

        internal Enumerator(int[]? indices, int offset, int count)
        {
            _indices = indices;
            _offset = offset;
            _count = count;
            _at = -1;
        }

        public int Current => _indices is { } list ? list[_at] : _offset + _at;

        public bool MoveNext() => ++_at < _count;
    }
}
