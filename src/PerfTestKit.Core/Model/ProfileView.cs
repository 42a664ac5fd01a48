using PerfTestKit.Symbols;
using System.Runtime.CompilerServices;

namespace PerfTestKit.Model;

/// <summary>A slice of a <see cref="Profile"/>: the samples one filter kept, with the aggregates writers need.</summary>
public sealed class ProfileView
{
    internal ProfileView(Profile profile, SampleIndexSet samples, SampleFilter filter)
    {
        Profile = profile;
        _samples = samples;
        Filter = filter;
    }

    private readonly SampleIndexSet _samples;

    public Profile Profile { get; }

    /// <summary>Indices into the profile's samples, in time order.</summary>
    public IReadOnlyList<int> Samples => _samples;

    /// <summary>The same indices, for loops over every sample that go through no interface.</summary>
    internal SampleIndexSet SampleIndices => _samples;

    public SampleFilter Filter { get; }

    public int SampleCount => _samples.Count;

    public int ThreadCount => LazyInitializer.EnsureInitialized(ref _threadCount, () =>
    {
        // Thread entries first (one per sample, no hashing), then their distinct tids.
        var seen = new bool[Profile.Threads.Count];
        var columns = Profile.Samples;
        foreach (int s in _samples) seen[columns.Thread(s)] = true;
        var tids = new HashSet<int>();
        for (int t = 0; t < seen.Length; t++)
        {
            if (seen[t]) tids.Add(Profile.Threads[t].Tid);
        }
        return new StrongBox<int>(tids.Count);
    }).Value;

    // Computed once: several writers ask, possibly at the same time (ReportWriter runs them in parallel).
    private StrongBox<int>? _threadCount;
    private IReadOnlyDictionary<int, int>? _countByStack;

    /// <summary>From the first to the last sample, in seconds; 0 for fewer than two samples.</summary>
    public double DurationSeconds => _samples.Count < 2
        ? 0
        : (Profile.SampleTime(_samples[^1]) - Profile.SampleTime(_samples[0])) / 1e9;

    /// <summary>How many samples ended in each stack (stack -1: samples without one).</summary>
    public IReadOnlyDictionary<int, int> CountByStack() => LazyInitializer.EnsureInitialized(ref _countByStack, () =>
    {
        var columns = Profile.Samples;
        int stacks = Profile.Stacks.Count;
        // Many samples over the profile's stacks: count in an array indexed by stack (+1 for samples without one),
        // no hashing per sample. A few samples of a large profile (one test of a run) keep to a dictionary.
        if (_samples.Count >= stacks / 4)
        {
            var dense = new int[stacks + 1];
            foreach (int s in _samples) dense[columns.Stack(s) + 1]++;
            var result = new Dictionary<int, int>();
            for (int i = 0; i < dense.Length; i++)
            {
                if (dense[i] > 0) result[i - 1] = dense[i];
            }
            return result;
        }
        var counts = new Dictionary<int, int>();
        foreach (int s in _samples)
        {
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, columns.Stack(s), out _)++;
        }
        return counts;
    });

    /// <summary>Frames by self samples (the leaf), with total samples counted once per sample even under recursion.</summary>
    // Optimized at first use (see CallTree.Build).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public List<FrameCost> TopFrames(int count) => TopFrames(count, countAt: null);

    /// <summary>
    /// As <see cref="TopFrames(int)"/>, but each stack's samples count as "self" for the first frame from the leaf that
    /// <paramref name="countAt"/> accepts (the leaf when none does): e.g. a test's own code rather than the runtime's
    /// helper it called.
    /// </summary>
    public List<FrameCost> TopFrames(int count, Func<FrameInfo, bool>? countAt)
    {
        var self = new Dictionary<int, int>();
        var total = new Dictionary<int, int>();
        var seen = new HashSet<int>();
        foreach (var (stack, samples) in CountByStack())
        {
            if (stack < 0) continue;
            int leaf = Profile.Stacks.Frame(stack);
            if (countAt is not null)
            {
                for (int s = stack; s >= 0; s = Profile.Stacks.Parent(s))
                {
                    if (!countAt(Profile.Frames[Profile.Stacks.Frame(s)])) continue;
                    leaf = Profile.Stacks.Frame(s);
                    break;
                }
            }
            self[leaf] = self.GetValueOrDefault(leaf) + samples;
            seen.Clear();
            for (int s = stack; s >= 0; s = Profile.Stacks.Parent(s))
            {
                int frame = Profile.Stacks.Frame(s);
                if (seen.Add(frame)) total[frame] = total.GetValueOrDefault(frame) + samples;
            }
        }
        return self.OrderByDescending(p => p.Value).ThenBy(p => Profile.Frames[p.Key].Name, StringComparer.Ordinal)
            .Take(count)
            .Select(p => new FrameCost(p.Key, p.Value, total[p.Key]))
            .ToList();
    }
}

/// <summary>A frame's self samples (it was the leaf) and total samples (it was on the stack).</summary>
public readonly record struct FrameCost(int Frame, int Self, int Total);
