using PerfTestKit.PerfData;

namespace PerfTestKit.Model;

/// <summary>
/// Everything a recording holds, symbolized once: interned frames and stacks, threads, and the samples in time
/// order (time, stack, thread, event). Views (<see cref="ProfileView"/>) slice it by time window and thread.
/// </summary>
public sealed class Profile
{
    internal readonly SampleColumns Samples = new();

    /// <summary>Room for about <paramref name="expected"/> samples (see <see cref="SampleColumns.Reserve"/>).</summary>
    internal void ReserveSamples(long expected) => Samples.Reserve(expected);

    public required string Source { get; init; }
    public required PerfSessionInfo Session { get; init; }
    public required IReadOnlyList<PerfEventAttr> Events { get; init; }
    public FrameTable Frames { get; } = new();
    public StackTable Stacks { get; } = new();
    public List<ThreadInfo> Threads { get; } = new();

    /// <summary>Events the kernel dropped (LOST records), as perf reports them.</summary>
    public ulong LostEvents { get; internal set; }

    /// <summary>Samples the kernel dropped (LOST_SAMPLES records).</summary>
    public ulong LostSamples { get; internal set; }

    /// <summary>Reading problems that did not stop the conversion (truncation, unreadable maps...).</summary>
    public List<string> Warnings { get; } = new();

    public int SampleCount => Samples.Count;
    public ulong SampleTime(int sample) => Samples.Time(sample);
    public int SampleStack(int sample) => Samples.Stack(sample);
    public ThreadInfo SampleThread(int sample) => Threads[Samples.Thread(sample)];
    public int SampleEvent(int sample) => Samples.Event(sample);

    /// <summary>Stack id for a sample whose call chain held nothing nameable.</summary>
    public const int EmptyStack = -1;

    /// <summary>Every sample.</summary>
    public ProfileView All() => Select(new SampleFilter());

    public ProfileView Select(SampleFilter filter)
    {
        int start = 0, end = Samples.Count;
        // Samples are in time order: find the window by binary search.
        if (filter.FromNs is { } from) start = FirstAtOrAfter(from);
        if (filter.ToNs is { } to) end = to == ulong.MaxValue ? end : Math.Max(start, FirstAtOrAfter(to + 1));
        if (filter.Pid is null && filter.Tids is null && filter.EventIndex is null)
        {
            return new ProfileView(this, SampleIndexSet.Range(start, end - start), filter);
        }
        var selected = new List<int>(end - start);
        for (int i = start; i < end; i++)
        {
            var thread = Threads[Samples.Thread(i)];
            if (filter.Pid is { } pid && thread.Pid != pid) continue;
            if (filter.Tids is { } tids && !tids.Contains(thread.Tid)) continue;
            if (filter.EventIndex is { } ev && Samples.Event(i) != ev) continue;
            selected.Add(i);
        }
        return new ProfileView(this, SampleIndexSet.Of(selected.ToArray()), filter);
    }

    /// <summary>A view of the given samples (indices in time order), which <paramref name="filter"/> describes.</summary>
    internal ProfileView Select(SampleFilter filter, int[] samples) => new(this, SampleIndexSet.Of(samples), filter);

    private int FirstAtOrAfter(ulong time)
    {
        int lo = 0, hi = Samples.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Samples.Time(mid) < time) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>The index of the event with this name, or null.</summary>
    public int? EventIndex(string name)
    {
        for (int i = 0; i < Events.Count; i++)
        {
            if (string.Equals(Events[i].Name, name, StringComparison.Ordinal)) return i;
        }
        return null;
    }
}

/// <summary>Which samples a view keeps: a time window on the recording clock (ns), a process, threads, an event.</summary>
public sealed record SampleFilter
{
    public ulong? FromNs { get; init; }
    public ulong? ToNs { get; init; }
    public int? Pid { get; init; }
    public IReadOnlySet<int>? Tids { get; init; }
    public int? EventIndex { get; init; }
}
