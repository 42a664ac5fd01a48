using PerfTestKit.Model;

namespace PerfTestKit.Profiling;

/// <summary>
/// Finds each test's samples in one host's recording. A test that ran alone (no other test's reported time
/// overlaps its own, and none did before in this host) gets its whole window, every thread: from the first to the last sample whose stack holds its
/// method, searched from after the previous test up to the end the front end reported. A test that ran beside
/// others gets, sample by sample, only what holds its own method (its body, its async continuations, the lambdas
/// and local functions it handed to other threads) and not another test's; the rest of its window (the harness,
/// the runtime's threads, work without any test's frame) is counted as not attributed, never given to a test.
/// </summary>
internal sealed class TestWindowSearch
{
    /// <summary>How many tests that ended are kept to tell whether a later one overlapped them.</summary>
    private const int RecentTests = 512;

    /// <summary>
    /// How much earlier than its reported start a test may have started: front ends learn of starts through the
    /// frameworks' queues (NUnit's event pump was seen ~100 ms behind under load).
    /// </summary>
    private const ulong StartLagNs = 2_000_000_000;

    private readonly int _pid;
    private readonly ulong _recordingStartNs;
    private readonly Queue<TestCaseWindow> _recent = new();
    private readonly Dictionary<string, ulong> _lastEndByMethod = new(StringComparer.Ordinal);
    private ulong? _lastEnd;
    private SourceMethodTable? _sourceMethods;

    public TestWindowSearch(int pid, ulong recordingStartNs)
    {
        _pid = pid;
        _recordingStartNs = recordingStartNs;
    }

    /// <summary>How many tests ran beside another test in this host.</summary>
    public int ParallelTests { get; private set; }

    /// <summary>
    /// A located test: its window (the reported one, emptied when no sample held its method), its samples, how it was
    /// searched (for <see cref="Again"/>), and, for a test that ran beside others, the samples of its window that no
    /// test could be given.
    /// </summary>
    public sealed record Located(TestCaseWindow Test, ProfileView View, Search How, int Unattributed = 0);

    /// <summary>
    /// Where a test was searched from, and beside which tests (empty: it ran alone). <paramref name="SameMethodFollows"/>:
    /// the next test to start is a case of the same method (parameterised tests), so its samples look like this one's.
    /// </summary>
    public sealed record Search(ulong FromNs, IReadOnlyList<TestCaseWindow> Beside, bool SameMethodBeside, bool SameMethodFollows = false)
    {
        /// <summary>
        /// Whether the test is attributed sample by sample: it ran beside others, or tests in this host were already
        /// seen to run in parallel. The frameworks' reports come late and sometimes in bursts (a test reported as
        /// taking 0 ms): in a parallel run, a test that seems to overlap no other may still have, and its window
        /// would take their work.
        /// </summary>
        public bool Parallel { get; init; }
    }

    /// <summary>
    /// The next test, in the order the tests started. <paramref name="others"/> are the tests the front end knows
    /// of that have not been searched yet: still running, or ended with this one.
    /// </summary>
    public Located Next(TestCaseWindow reported, IEnumerable<TestCaseWindow> others, Profile profile)
    {
        var othersList = others.ToList();
        var beside = _recent.Concat(othersList).Where(o => o.Id != reported.Id && Overlap(o, reported)).ToList();
        var methods = TestMethodLocator.TestMethods(reported);
        bool SameMethod(TestCaseWindow o) => TestMethodLocator.TestMethods(o).Intersect(methods).Any();
        bool sameMethod = beside.Any(SameMethod);
        bool sameMethodFollows = othersList.Where(o => o.Id != reported.Id && o.StartNs >= reported.StartNs).MinBy(o => o.StartNs) is { } next && SameMethod(next);
        ulong from;
        bool parallel = beside.Count > 0 || ParallelTests > 0;
        if (!parallel)
        {
            // Alone: search after the previous test's end.
            from = _lastEnd is { } previous ? previous + 1 : _recordingStartNs;
        }
        else
        {
            // Beside others: only this test's own method decides, so search back as far as its start may lie, but not
            // into an earlier case of the same method (parameterised tests).
            ParallelTests++;
            from = Math.Max(_recordingStartNs, reported.StartNs > StartLagNs ? reported.StartNs - StartLagNs : 0);
            foreach (string method in methods)
            {
                if (_lastEndByMethod.TryGetValue(method, out ulong end)) from = Math.Max(from, end + 1);
            }
        }
        var located = Find(reported, new Search(from, beside, sameMethod, sameMethodFollows) { Parallel = parallel }, profile);
        _recent.Enqueue(reported);
        if (_recent.Count > RecentTests) _recent.Dequeue();
        if (located.View.SampleCount > 0)
        {
            _lastEnd = Math.Max(_lastEnd ?? 0, located.Test.EndNs);
            foreach (string method in methods) _lastEndByMethod[method] = located.Test.EndNs;
        }
        return located;
    }

    /// <summary>
    /// A test searched as one that ran alone before the host was seen to run tests in parallel (the frameworks report
    /// late: the first test of a parallel xUnit run was reported as ending before any other started), searched again
    /// sample by sample, beside the tests whose reported times overlap its own among <paramref name="all"/>.
    /// </summary>
    public Located AsParallel(TestCaseWindow reported, IEnumerable<TestCaseWindow> all, Profile profile)
    {
        var beside = all.Where(o => o.Id != reported.Id && Overlap(o, reported)).ToList();
        var methods = TestMethodLocator.TestMethods(reported);
        bool sameMethod = beside.Any(o => TestMethodLocator.TestMethods(o).Intersect(methods).Any());
        ulong from = Math.Max(_recordingStartNs, reported.StartNs > StartLagNs ? reported.StartNs - StartLagNs : 0);
        return Find(reported, new Search(from, beside, sameMethod) { Parallel = true }, profile);
    }

    /// <summary>
    /// The same search again, over the complete recording (a test that had no sample when it ended: on a loaded
    /// machine perf may not have written them yet). Same range, so a test too short to be sampled stays empty rather
    /// than borrowing another case's samples. Null when it is still empty.
    /// </summary>
    public Located? Again(TestCaseWindow reported, Search how, Profile profile) =>
        Find(reported, how, profile) is { View.SampleCount: > 0 } located ? located : null;

    private Located Find(TestCaseWindow reported, Search how, Profile profile)
    {
        if (_sourceMethods is null || !_sourceMethods.Describes(profile)) _sourceMethods = new SourceMethodTable(profile);
        var owners = new List<IReadOnlyCollection<string>> { TestMethodLocator.TestMethods(reported) };
        owners.AddRange(how.Beside.Select(TestMethodLocator.TestMethods));
        var locator = new TestMethodLocator(profile, _sourceMethods, owners);
        if (!how.Parallel)
        {
            ulong until = how.SameMethodFollows ? LeftTheMethod(locator, profile, how.FromNs, reported.EndNs) : reported.EndNs;
            return locator.Locate(how.FromNs, until, _pid) is { } window
                ? new Located(reported with { StartNs = window.StartNs, EndNs = window.EndNs },
                    profile.Select(new SampleFilter { FromNs = window.StartNs, ToNs = window.EndNs, Pid = _pid }), how)
                : Empty(reported, profile, how);
        }
        // Another test of the same method ran at the same time (parameterised cases or an inherited test run in
        // parallel): their samples cannot be told apart, and none is given to either.
        if (how.SameMethodBeside) return Empty(reported, profile, how);

        var candidates = profile.Select(new SampleFilter { FromNs = how.FromNs, ToNs = reported.EndNs, Pid = _pid });
        var own = new List<int>();
        foreach (int sample in candidates.SampleIndices)
        {
            if (locator.Owner(profile.SampleStack(sample)) == 0) own.Add(sample);
        }
        if (own.Count == 0) return Empty(reported, profile, how);
        ulong start = profile.SampleTime(own[0]), end = profile.SampleTime(own[^1]);
        int unattributed = 0;
        foreach (int sample in profile.Select(new SampleFilter { FromNs = start, ToNs = end, Pid = _pid }).SampleIndices)
        {
            if (locator.Owner(profile.SampleStack(sample)) < 0) unattributed++;
        }
        var view = profile.Select(new SampleFilter { FromNs = start, ToNs = end, Pid = _pid }, own.ToArray());
        return new Located(reported with { StartNs = start, EndNs = end }, view, how, unattributed);
    }

    /// <summary>
    /// Where a test's method was first left on the thread that ran it: the next case of the same method starts after
    /// that, and its samples would otherwise look like this one's until the front end's late end. Found only when samples
    /// caught the thread between the cases (in a set-up, tear-down or the harness, for two sampling periods): cases run
    /// back to back with less than that between them cannot be told apart by their samples.
    /// </summary>
    private ulong LeftTheMethod(TestMethodLocator locator, Profile profile, ulong fromNs, ulong toNs)
    {
        int? thread = null, root = null;
        ulong lastOwn = 0;
        int outside = 0;
        foreach (int sample in profile.Select(new SampleFilter { FromNs = fromNs, ToNs = toNs, Pid = _pid }).SampleIndices)
        {
            int stack = profile.SampleStack(sample);
            bool own = locator.Owner(stack) == 0;
            int tid = profile.SampleThread(sample).Tid;
            if (thread is null)
            {
                if (!own) continue;
                thread = tid;
                root = RootFrame(profile, stack);
            }
            if (tid != thread) continue;
            if (own)
            {
                lastOwn = profile.SampleTime(sample);
                outside = 0;
            }
            // Only whole stacks (from the thread's own root) without the method show it was left: a walk that broke
            // off in the runtime (no frame pointers there) has lost the frames above, the method's among them. Two in
            // a row: a walk through the runtime can also skip frames and still reach the root.
            else if (RootFrame(profile, stack) == root && ++outside == LeftAfterSamples) return lastOwn;
        }
        return toNs;
    }

    /// <summary>How many whole stacks in a row without the method show the thread left it.</summary>
    private const int LeftAfterSamples = 2;

    private static int RootFrame(Profile profile, int stack)
    {
        var stacks = profile.Stacks;
        if (stack < 0) return -1;
        while (stacks.Parent(stack) >= 0) stack = stacks.Parent(stack);
        return stacks.Frame(stack);
    }

    private Located Empty(TestCaseWindow reported, Profile profile, Search how) =>
        new(reported with { StartNs = reported.EndNs, EndNs = reported.EndNs }, profile.Select(new SampleFilter { FromNs = 1, ToNs = 0 }), how);

    /// <summary>Whether two tests' reported times overlap (a test still running has its start as its end so far: it overlaps what ends after it started).</summary>
    private static bool Overlap(TestCaseWindow a, TestCaseWindow b) =>
        a.StartNs <= Later(b) && b.StartNs <= Later(a);

    private static ulong Later(TestCaseWindow test) => test.Outcome == TestCaseWindow.Running ? ulong.MaxValue : test.EndNs;
}
