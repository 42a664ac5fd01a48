using PerfTestKit.Model;

namespace PerfTestKit.Profiling;

/// <summary>
/// Finds each test's samples in one host's recording: the window from the first to the last sample whose stack
/// holds the test method, searched from after the previous test (or, once tests were seen to overlap, from the
/// earliest of the last few tests' starts) up to the end the front end reported.
/// </summary>
internal sealed class TestWindowSearch
{
    /// <summary>How many recent tests' starts bound the search for the next one (tests may overlap when run in parallel).</summary>
    private const int SearchBack = 8;

    private readonly int _pid;
    private readonly ulong _recordingStartNs;
    private readonly Queue<ulong> _recentStarts = new();
    private (ulong Start, ulong End)? _lastWindow;

    public TestWindowSearch(int pid, ulong recordingStartNs)
    {
        _pid = pid;
        _recordingStartNs = recordingStartNs;
    }

    /// <summary>Whether two tests' windows overlapped: from then on, a test's view keeps only its own threads.</summary>
    public bool SawParallelTests { get; private set; }

    /// <summary>A located test: its window (the reported one, emptied when no sample held its method), its samples, and where the search began.</summary>
    public sealed record Located(TestCaseWindow Test, ProfileView View, ulong SearchFrom);

    /// <summary>
    /// The next test, in the order the tests started. Where windows overlap (tests run in parallel in one host), the
    /// view keeps only the threads that ran the test.
    /// </summary>
    public Located Next(TestCaseWindow reported, Profile profile)
    {
        // Tests in one host usually run one after another: search after the previous test's end. Once tests were
        // seen to overlap, search back over the last few tests' starts instead.
        ulong from = !SawParallelTests && _lastWindow is { } previous ? previous.End + 1
            : _recentStarts.Count == 0 ? _recordingStartNs : _recentStarts.Min();
        var located = new TestMethodLocator(profile, reported.FullName).Locate(from, reported.EndNs, _pid);
        if (located is not { } window)
        {
            var empty = reported with { StartNs = reported.EndNs, EndNs = reported.EndNs };
            return new Located(empty, profile.Select(new SampleFilter { FromNs = 1, ToNs = 0 }), from);
        }
        _recentStarts.Enqueue(window.StartNs);
        if (_recentStarts.Count > SearchBack) _recentStarts.Dequeue();
        bool overlaps = _lastWindow is { } last && window.StartNs <= last.End && window.EndNs >= last.Start;
        _lastWindow = (window.StartNs, window.EndNs);
        if (overlaps) SawParallelTests = true;
        return new Located(reported with { StartNs = window.StartNs, EndNs = window.EndNs }, Select(profile, window), from);
    }

    /// <summary>
    /// The same search again, over the complete recording (a test that had no sample when it ended: on a loaded
    /// machine perf may not have written them yet). Same range, so a test too short to be sampled stays empty rather
    /// than borrowing another case's samples. Null when it is still empty.
    /// </summary>
    public Located? Again(TestCaseWindow reported, ulong searchFrom, Profile profile) =>
        new TestMethodLocator(profile, reported.FullName).Locate(searchFrom, reported.EndNs, _pid) is { } window
            ? new Located(reported with { StartNs = window.StartNs, EndNs = window.EndNs }, Select(profile, window), searchFrom)
            : null;

    /// <summary>The samples of a located test: its window in this host, and only its threads once tests ran in parallel.</summary>
    private ProfileView Select(Profile profile, (ulong StartNs, ulong EndNs, IReadOnlySet<int> Tids) window) =>
        profile.Select(new SampleFilter { FromNs = window.StartNs, ToNs = window.EndNs, Pid = _pid, Tids = SawParallelTests ? window.Tids : null });
}
