using System.Runtime.CompilerServices;
using PerfTestKit.Model;

namespace PerfTestKit.Writers;

/// <summary>
/// A view's samples split by thread (pid, tid), without copying them out: each block of 4096 samples records which
/// threads it holds, and a thread's samples are found by scanning only the blocks that hold it. (An index array per
/// thread was six megabytes of fresh memory for a 1.6M-sample file, the longest part of writing its Gecko profile.)
/// Several thread entries (one per name a thread had) share a (pid, tid): each entry maps to its group once.
/// </summary>
internal sealed class ThreadSampleGroups
{
    private const int BlockBits = 12;
    private readonly ProfileView _view;
    private readonly int[] _groupOfKind;       // a sample's group straight from its kind (thread and event)
    private readonly ulong[]? _blockMasks;     // bit g: the block holds group g (up to 64 groups)
    private readonly int[]?[]? _listed;        // more groups than that: each group's samples, listed

    /// <summary>The groups that have samples, by pid, then tid.</summary>
    public IReadOnlyList<(int Pid, int Tid, int Group, int Count, int LastSample)> Groups { get; }

    // Optimized at first use (see CallTree.Build).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ThreadSampleGroups(ProfileView view)
    {
        _view = view;
        var profile = view.Profile;
        var columns = profile.Samples;
        var groupOfThread = new int[profile.Threads.Count];
        var groupIndex = new Dictionary<(int, int), int>();
        var keys = new List<(int Pid, int Tid)>();
        for (int t = 0; t < profile.Threads.Count; t++)
        {
            var thread = profile.Threads[t];
            if (!groupIndex.TryGetValue((thread.Pid, thread.Tid), out int group))
            {
                groupIndex[(thread.Pid, thread.Tid)] = group = keys.Count;
                keys.Add((thread.Pid, thread.Tid));
            }
            groupOfThread[t] = group;
        }
        _groupOfKind = new int[columns.KindCount];
        for (int k = 0; k < _groupOfKind.Length; k++) _groupOfKind[k] = groupOfThread[columns.ThreadOfKind(k)];
        var counts = new int[keys.Count];
        var last = new int[keys.Count];
        var samples = view.SampleIndices;
        if (keys.Count <= 64)
        {
            _blockMasks = new ulong[(samples.Count >> BlockBits) + 1];
            for (int p = 0; p < samples.Count; p++)
            {
                int s = samples[p];
                int group = _groupOfKind[columns.Kind(s)];
                counts[group]++;
                last[group] = s;
                _blockMasks[p >> BlockBits] |= 1UL << group;
            }
        }
        else
        {
            foreach (int s in samples) counts[_groupOfKind[columns.Kind(s)]]++;
            _listed = counts.Select(n => new int[n]).ToArray();
            Array.Clear(counts);
            foreach (int s in samples)
            {
                int group = _groupOfKind[columns.Kind(s)];
                _listed[group]![counts[group]++] = s;
                last[group] = s;
            }
        }
        Groups = keys.Select((key, g) => (key.Pid, key.Tid, Group: g, Count: counts[g], LastSample: last[g]))
            .Where(g => g.Count > 0).OrderBy(g => g.Pid).ThenBy(g => g.Tid).ToList();
    }

    /// <summary>The samples of one group, in time order (none for the default enumerator).</summary>
    public Enumerator Samples(int group) => new(this, group);

    public struct Enumerator
    {
        private readonly ThreadSampleGroups _groups;
        private readonly int _group;
        private readonly SampleIndexSet _samples;
        private readonly SampleColumns _columns;
        private int _position;

        internal Enumerator(ThreadSampleGroups groups, int group)
        {
            _groups = groups;
            _group = group;
            _samples = groups._view.SampleIndices;
            _columns = groups._view.Profile.Samples;
            _position = -1;
            Current = -1;
        }

        public readonly Enumerator GetEnumerator() => this;

        public int Current { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool MoveNext()
        {
            if (_groups is null) return false; // default: no samples (a profile with markers only)
            if (_groups._listed is { } listed)
            {
                var own = listed[_group]!;
                if (++_position >= own.Length) return false;
                Current = own[_position];
                return true;
            }
            var masks = _groups._blockMasks!;
            ulong bit = 1UL << _group;
            while (++_position < _samples.Count)
            {
                if ((_position & ((1 << BlockBits) - 1)) == 0 && (masks[_position >> BlockBits] & bit) == 0)
                {
                    _position += (1 << BlockBits) - 1;
                    continue;
                }
                int s = _samples[_position];
                if (_groups._groupOfKind[_columns.Kind(s)] == _group)
                {
                    Current = s;
                    return true;
                }
            }
            return false;
        }
    }
}
