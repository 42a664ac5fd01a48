using System.Diagnostics;
using PerfTestKit.Diff;
using PerfTestKit.Model;
using PerfTestKit.Recording;
using PerfTestKit.Symbols;
using PerfTestKit.Writers;

namespace PerfTestKit.Profiling;

/// <summary>
/// Profiles one test host for a front end (the VSTest collector, the MTP extension): records it with perf,
/// writes each test's flame graph and Gecko profile as the test ends, and at the end the run's index, whole-run
/// Gecko profile (one marker per test) and folded stacks. Front ends only map their events onto these calls.
/// </summary>
public sealed class TestRunProfiler : IAsyncDisposable
{
    private const int HottestFrames = 3;

    private readonly ProfilerSettings _settings;
    private readonly LiveRecording _recording;
    private readonly string _workDirectory;
    private readonly string _outputDirectory;
    private readonly int _pid;
    private readonly List<ProfiledTest> _tests = new();
    private readonly List<string> _warnings = new();
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly List<double> _endTestMilliseconds = new();
    private readonly ulong _recordingStartNs;
    private readonly TestWindowSearch _search;
    private bool _warnedParallel;

    // The recording is read by the test-end path and by a follower between tests; one at a time.
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stopFollowing = new();
    private Task _follower = Task.CompletedTask;

    private volatile bool _testEnded;
    private long _allocatedAtLastCollection;
    private const long CollectAfterBytes = 8 << 20;

    /// <summary>
    /// How often the follower reads what perf wrote while tests run: a test's end then has at most this much to read
    /// (an idle tick is a flush and a jitdump size check, well under a millisecond).
    /// </summary>
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private static PerfRecordOptions RecordOptions(ProfilerSettings settings) =>
        new() { PerfPath = settings.PerfPath, Frequency = settings.Frequency, Event = settings.Event };

    private TestRunProfiler(ProfilerSettings settings, LiveRecording recording, string workDirectory, string outputDirectory, int pid, ulong recordingStartNs)
    {
        _settings = settings;
        _recording = recording;
        _workDirectory = workDirectory;
        _outputDirectory = outputDirectory;
        _pid = pid;
        _recordingStartNs = recordingStartNs;
        _search = new TestWindowSearch(pid, recordingStartNs);
    }

    /// <summary>The tests profiled so far and their files (after <see cref="FinishAsync"/>, as its second search left them).</summary>
    public IEnumerable<(TestCaseWindow Test, TestArtifacts Artifacts)> Tests => _tests.Select(t => (t.Test, t.Artifacts));

    /// <summary>Milliseconds spent in each <see cref="EndTest"/>: the profiler's cost per test.</summary>
    public IReadOnlyList<double> EndTestMilliseconds => _endTestMilliseconds;

    /// <summary>
    /// Starts perf on the test host and returns once it records and the profiler is warm. Throws when perf cannot
    /// start. <paramref name="recording"/> is called as soon as perf records, before the warm-up, so that the host can go on.
    /// perf's file stays in <paramref name="workDirectory"/>; what users open goes to <paramref name="outputDirectory"/>:
    /// the run's files at its top, each test's in tests/NAME/.
    /// </summary>
    public static TestRunProfiler Start(ProfilerSettings settings, int testHostPid, string workDirectory, string outputDirectory, Action? recording = null) =>
        Start(settings, testHostPid, workDirectory, outputDirectory, recording, parentRecording: null);

    /// <summary>
    /// Starts perf on the process that will launch the test host (see <see cref="LiveRecording.StartBeforeChild"/>),
    /// so that the host is recorded from its start without waiting for perf. Hand it to
    /// <see cref="Start(ProfilerSettings, int, string, string, Action?, LiveRecording?)"/> once the host's pid is known.
    /// </summary>
    public static LiveRecording RecordChildrenOf(ProfilerSettings settings, int launcherPid, string workDirectory) =>
        LiveRecording.StartBeforeChild(RecordOptions(settings), launcherPid, workDirectory, new SymbolizerOptions(), StartTimeout);

    /// <summary>
    /// As <see cref="Start(ProfilerSettings, int, string, string, Action?)"/>, adopting <paramref name="parentRecording"/>
    /// when it follows the host; otherwise (the host was not forked by that process, or before perf recorded) it is
    /// discarded and perf attaches to the host itself.
    /// </summary>
    public static TestRunProfiler Start(ProfilerSettings settings, int testHostPid, string workDirectory, string outputDirectory, Action? recording, LiveRecording? parentRecording)
    {
        LiveRecording live;
        if (parentRecording is not null && parentRecording.Follows(testHostPid))
        {
            live = parentRecording;
        }
        else
        {
            if (parentRecording is not null)
            {
                ProfilerTrace.Write(() => $"perf on the launcher does not follow test host {testHostPid}: attaching to it");
                parentRecording.DiscardAsync().GetAwaiter().GetResult();
            }
            live = LiveRecording.Start(RecordOptions(settings), testHostPid, workDirectory, new SymbolizerOptions(), StartTimeout);
        }
        // No test can have started before this moment: the first test's window is searched from here.
        ulong recordingStartNs = LiveRecording.MonotonicNow();
        recording?.Invoke();
        // Read and name what perf wrote so far (the host's mappings, kernel symbols, libc's debug symbols) and
        // compile the per-test path now, rather than inside the first test's end.
        live.CatchUp(recordingStartNs);
        var profiler = new TestRunProfiler(settings, live, workDirectory, outputDirectory, testHostPid, recordingStartNs);
        profiler.WarmUp();
        profiler._follower = Task.Run(profiler.FollowAsync);
        return profiler;
    }

    /// <summary>
    /// Brings the test's samples in (flushing perf), finds when the test method ran, and writes its files into their
    /// own folder. <paramref name="reported"/> carries the front end's times, which only bound the search: the
    /// end must be at or after the test's real end. The test host is blocked until this returns (VSTest's
    /// TestCaseEnd), so it runs ahead of other work.
    /// </summary>
    public TestArtifacts EndTest(TestCaseWindow reported, IReadOnlyCollection<TestCaseWindow> running)
    {
        try
        {
            using var raised = ThreadNice.Set(ThreadNice.HostWaitsForIt);
            lock (_gate) return EndTestLocked(reported, running);
        }
        finally
        {
            _testEnded = true;
        }
    }

    /// <summary>
    /// Collects garbage between tests, on the follower, once a test's end has allocated a good deal: the host waits
    /// for a test's end but not for the collector while it runs the next test. Left to itself, the runtime collected
    /// in the middle of test ends (pauses of 5-26 ms, most of those ends' cost).
    /// </summary>
    private void CollectBetweenTests()
    {
        long allocated = GC.GetTotalAllocatedBytes();
        if (allocated - _allocatedAtLastCollection < CollectAfterBytes) return;
        _allocatedAtLastCollection = allocated;
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
    }

    /// <summary>
    /// Reads the recording while tests run, on another thread: samples, new mappings and the newly compiled code's
    /// names are then mostly in by the time a test ends, whose host waits for <see cref="EndTest"/>.
    /// </summary>
    private async Task FollowAsync()
    {
        try
        {
            while (!_stopFollowing.IsCancellationRequested)
            {
                await Task.Delay(FollowInterval, _stopFollowing.Token).ConfigureAwait(false);
                if (_testEnded)
                {
                    _testEnded = false;
                    CollectBetweenTests();
                }
                lock (_gate) _recording.ReadAhead();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // Reading ahead is an optimisation, never a reason to fail the run: the test-end path reads (and
            // reports problems with) the same data again.
            ProfilerTrace.Write(() => $"follower stopped: {e}");
        }
    }

    private async Task StopFollowingAsync()
    {
        if (!_stopFollowing.IsCancellationRequested) _stopFollowing.Cancel();
        await _follower.ConfigureAwait(false);
    }

    /// <summary>
    /// Tests that ended while the host went on (read from its log), in the order they started: one flush of perf
    /// brings in all their samples, then each is located and written as by <see cref="EndTest"/>.
    /// <paramref name="running"/> are the tests that started and have not ended (they may have run beside these).
    /// </summary>
    public void EndTests(IReadOnlyList<TestCaseWindow> ended, IReadOnlyCollection<TestCaseWindow> running)
    {
        if (ended.Count == 0) return;
        try
        {
            lock (_gate)
            {
                CatchUp(ended.Max(t => t.EndNs));
                for (int i = 0; i < ended.Count; i++)
                {
                    // The later tests that may have run beside this one (they started before it ended; the batch is
                    // in the order of starts), and the next one in any case (a case of the same method?).
                    var test = ended[i];
                    var later = ended.Skip(i + 1).TakeWhile((t, k) => k == 0 || t.StartNs <= test.EndNs);
                    EndTestLocked(test, later.Concat(running), caughtUp: true);
                }
            }
        }
        finally
        {
            _testEnded = true;
        }
    }

    private void CatchUp(ulong untilNs)
    {
        if (!_recording.CatchUp(untilNs) && _warnings.Count == 0)
        {
            _warnings.Add(_recording.Perf.HasExited
                ? $"perf stopped during the run: {_recording.Perf.StandardError.Trim()}"
                : "perf did not answer a flush in time; some tests may lack samples");
        }
    }

    private TestArtifacts EndTestLocked(TestCaseWindow reported, IEnumerable<TestCaseWindow> others, bool caughtUp = false)
    {
        var clock = Stopwatch.StartNew();
        var pausedBefore = GC.GetTotalPauseDuration();
        if (!caughtUp) CatchUp(reported.EndNs);
        double caughtUpMs = clock.Elapsed.TotalMilliseconds;
        var profile = _recording.Profile;
        var located = _search.Next(reported, others, profile);
        var (test, view) = (located.Test, located.View);
        if (_search.ParallelTests > 0 && !_warnedParallel)
        {
            _warnedParallel = true;
            _warnings.Add(ParallelWarning);
        }
        double locatedAt = clock.Elapsed.TotalMilliseconds;
        string name = UniqueName(ArtifactFileName.From(test.FullName));
        var files = HasEnoughSamples(view) ? WriteTestFiles(view, TestDirectory(name), name, located) : Array.Empty<string>();
        double written = clock.Elapsed.TotalMilliseconds;
        var artifacts = new TestArtifacts(files, view.SampleCount);
        _tests.Add(new ProfiledTest(located, artifacts, reported, name));
        _endTestMilliseconds.Add(clock.Elapsed.TotalMilliseconds);
        ProfilerTrace.Write(() => $"end test {test.FullName}: {view.SampleCount} samples (reported {reported.StartNs}-{reported.EndNs}, searched from {located.How.FromNs} beside {located.How.Beside.Count}, located {test.StartNs}-{test.EndNs}, {located.Unattributed} not attributed), {clock.Elapsed.TotalMilliseconds:F1} ms in all " +
            $"(catch-up {caughtUpMs:F1}, locate {locatedAt - caughtUpMs:F1}, write {written - locatedAt:F1}, GC pause {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F1}, GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)})");
        return artifacts;
    }

    private string TestDirectory(string name) => Path.Combine(_outputDirectory, "tests", name);

    /// <summary>
    /// A test in whose range no sample held its method when it ended gets a second search once the recording is
    /// complete: on a loaded machine perf may not have written its samples by then. Same range, so a test too
    /// short to be sampled stays empty rather than borrowing another case's samples.
    /// </summary>
    private void SearchEmptyTestsAgain(Profile profile)
    {
        for (int i = 0; i < _tests.Count; i++)
        {
            var entry = _tests[i];
            if (entry.Artifacts.Samples > 0) continue;
            if (_search.Again(entry.Reported, entry.Located.How, profile) is not { } located) continue;
            var (test, view) = (located.Test, located.View);
            var files = HasEnoughSamples(view) ? WriteTestFiles(view, TestDirectory(entry.Name), entry.Name, located) : Array.Empty<string>();
            _tests[i] = entry with { Located = located, Artifacts = new TestArtifacts(files, view.SampleCount) };
            ProfilerTrace.Write(() => $"second search {test.FullName}: {view.SampleCount} samples");
        }
    }

    /// <summary>
    /// Once the host ran tests in parallel, the tests searched before that was seen (as having run alone, with their
    /// whole window) are searched again sample by sample: whether tests run in parallel holds for the whole run.
    /// </summary>
    private void SearchAloneTestsAsParallel(Profile profile)
    {
        if (_search.ParallelTests == 0) return;
        var all = _tests.Select(t => t.Reported).ToList();
        for (int i = 0; i < _tests.Count && !_tests[i].Located.How.Parallel; i++)
        {
            var entry = _tests[i];
            var located = _search.AsParallel(entry.Reported, all, profile);
            var view = located.View;
            string directory = TestDirectory(entry.Name);
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            var files = HasEnoughSamples(view) ? WriteTestFiles(view, directory, entry.Name, located) : Array.Empty<string>();
            _tests[i] = entry with { Located = located, Artifacts = new TestArtifacts(files, view.SampleCount) };
            ProfilerTrace.Write(() => $"searched again as parallel {located.Test.FullName}: {view.SampleCount} samples");
        }
    }

    /// <summary>Whether a test's samples make a page worth its files (<see cref="ProfilerSettings.MinSamples"/>).</summary>
    private bool HasEnoughSamples(ProfileView view) => view.SampleCount > 0 && view.SampleCount >= _settings.MinSamples;

    /// <summary>Why a test has no files of its own, in words for the index; null when it has them.</summary>
    private string? NoFilesNote(ProfiledTest t)
    {
        if (t.Artifacts.Files.Count > 0) return null;
        int samples = t.Artifacts.Samples;
        if (samples > 0) return $"{samples} sample{(samples == 1 ? "" : "s")}: fewer than the {_settings.MinSamples} a test needs for its own flame graph (MinSamples)";
        if (t.Located.How.SameMethodBeside) return "ran beside another test of the same method: their samples cannot be told apart, and neither is given them";
        // No sample: the test used less CPU than a sampling period, which the reported duration (it includes the
        // front end's own delay, about a millisecond under VSTest) can only suggest; past a second of it, more
        // likely the method was not found in the stacks.
        double period = 1000.0 / _settings.Frequency;
        return t.Reported.DurationMs < 1000
            ? $"no samples: shorter than one sampling period at {_settings.Frequency} Hz ({period:0.###} ms of CPU)"
            : "no sample held the test method";
    }

    /// <summary>
    /// The frames the index names as a test's hottest: each sample counts for its nearest .NET frame, the code a
    /// user can change (a sample in the runtime, the JIT or the kernel counts for the method that called into it).
    /// </summary>
    private static IReadOnlyList<HotFrame> Hottest(Profile profile, ProfileView view) => view.TopFrames(HottestFrames, f => f.Kind == FrameKind.Managed)
        .Select(c => new HotFrame(FoldedStacksWriter.FrameText(profile.Frames[c.Frame]), profile.Frames[c.Frame].Module, c.Self,
            view.SampleCount == 0 ? 0 : 100.0 * c.Self / view.SampleCount))
        .ToList();

    /// <summary>
    /// A test as profiled, and what its search was (for <see cref="SearchEmptyTestsAgain"/>). Its hottest frames are
    /// found from its view when the index is written, not inside the test's end, where the host waits.
    /// </summary>
    private sealed record ProfiledTest(TestWindowSearch.Located Located, TestArtifacts Artifacts, TestCaseWindow Reported, string Name)
    {
        public TestCaseWindow Test => Located.Test;
        public ProfileView View => Located.View;
    }

    private const string ParallelWarning = "tests ran in parallel in one test host: the profile of a test that ran beside others holds only " +
        "the samples whose stack holds its own method (its body, its async continuations, the lambdas and local functions it " +
        "ran on other threads); the rest of such a test's time (the harness, the runtime's threads, work that other threads did " +
        "without any test's frame on the stack) is counted as not attributed, on its row and its page";

    /// <summary>What a test's page says of the samples it was not given.</summary>
    private static string? AttributionNote(TestWindowSearch.Located located) => !located.How.Parallel ? null
        : $"ran while tests ran in parallel: {located.Unattributed} samples on other threads or outside any test's method during this test could not be attributed";

    /// <summary>
    /// Runs the per-test path once on what was recorded so far, before the first test ends: the collector's
    /// process is fresh, and compiling this code would otherwise be paid inside the first tests. Symbols are not
    /// loaded ahead here: the follower names samples as they come, and loading every library the host had mapped
    /// took most of a 250-400 ms warm-up, on a core the starting host needed.
    /// </summary>
    private void WarmUp()
    {
        var clock = Stopwatch.StartNew();
        var profile = _recording.Profile;
        var view = profile.Select(new SampleFilter { Pid = _pid });
        new TestMethodLocator(profile, "PerfTestKit.WarmUp.Test").Locate(_recordingStartNs, _recordingStartNs, _pid);
        view.TopFrames(HottestFrames);
        string directory = Path.Combine(_workDirectory, "warm-up");
        var warmUp = new TestCaseWindow("", "warm-up", "warm-up", "None", _recordingStartNs, _recordingStartNs);
        WriteTestFiles(view, directory, "warm-up", new TestWindowSearch.Located(warmUp, view, new TestWindowSearch.Search(_recordingStartNs, Array.Empty<TestCaseWindow>(), false)));
        Directory.Delete(directory, recursive: true);
        // The run's own files are written once, at the session's end, where VSTest waits for them: compiling their
        // code there was most of the ~75 ms that writing them took.
        FoldedStacksWriter.Write(view, TextWriter.Null);
        var index = BuildIndex(profile, view, "warm-up", (_, file) => file, "run.gecko.json");
        RunIndexWriter.WriteHtml(index, Stream.Null);
        RunIndexWriter.WriteJson(index, Stream.Null);
        // Reading the host's start-up and the warm-up allocated megabytes: collect them now, not in the first test's end.
        _allocatedAtLastCollection = GC.GetTotalAllocatedBytes();
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        ProfilerTrace.Write(() => $"warm-up: {clock.Elapsed.TotalMilliseconds:F1} ms");
    }

    /// <summary>
    /// Stops perf, reads the rest and writes the run's files. <paramref name="link"/> gives the link the index uses
    /// for a file, from the test it belongs to (null for the run's own files) and the file's path: front ends place
    /// attachments differently.
    /// </summary>
    public async Task<RunArtifacts> FinishAsync(Func<TestCaseWindow?, string, string> link, string title)
    {
        var clock = Stopwatch.StartNew();
        await StopFollowingAsync().ConfigureAwait(false);
        var profile = await _recording.StopAsync().ConfigureAwait(false);
        double stopped = clock.Elapsed.TotalMilliseconds;
        SearchAloneTestsAsParallel(profile);
        SearchEmptyTestsAgain(profile);
        string runDirectory = _outputDirectory;
        Directory.CreateDirectory(runDirectory);
        var view = profile.Select(new SampleFilter { Pid = _pid });

        // The run's folded stacks, with the folded format only: every distinct stack of the run on a line, they were
        // most of a large suite's results (41 of 52 MB on a 3,796-test suite), and the index and the run's Gecko
        // profile show the same. Written on another core meanwhile: the front end waits for these files.
        string? foldedPath = _settings.TestFormats.HasFlag(OutputFormats.Folded) ? Path.Combine(runDirectory, "stacks.folded") : null;
        var folding = foldedPath is null ? Task.CompletedTask : Task.Run(async () =>
        {
            await using var folded = new StreamWriter(foldedPath);
            FoldedStacksWriter.Write(view, folded);
        });

        string geckoPath = Path.Combine(runDirectory, "run.gecko.json");
        await using (var gecko = File.Create(geckoPath))
        {
            var markers = _tests.Select(t => new GeckoMarker(t.Test.Name, t.Test.StartNs, t.Test.EndNs, new Dictionary<string, string>
            {
                ["outcome"] = t.Test.Outcome,
                ["duration"] = $"{t.Test.DurationMs:F1} ms",
                ["fullName"] = t.Test.FullName,
            })).ToList();
            GeckoProfileWriter.Write(view, gecko, new GeckoProfileOptions { Markers = markers });
        }
        double geckoAt = clock.Elapsed.TotalMilliseconds;

        var index = BuildIndex(profile, view, title, link, link(null, geckoPath));
        // Each test's stacks, for `perftestkit diff` against a later run (on another core meanwhile).
        string stacksPath = Path.Combine(runDirectory, TestStacksFile.FileName);
        var stacks = Task.Run(() =>
        {
            using var file = File.Create(stacksPath);
            TestStacksFile.Write(file, index.Frequency, index.Event, _tests.Select(t =>
                new TestStacksFile.Entry(TestStacksFile.TestKey(t.Test.FullName, t.Test.Name), t.Test.Name, t.Test.Outcome, t.Test.DurationMs, t.View,
                    TestMethodLocator.TestMethods(t.Test))));
        });
        string indexPath = Path.Combine(runDirectory, "index.html");
        await using (var html = File.Create(indexPath))
        {
            RunIndexWriter.WriteHtml(index, html);
        }
        string summaryPath = Path.Combine(runDirectory, "perftestkit-summary.json");
        await using (var json = File.Create(summaryPath))
        {
            RunIndexWriter.WriteJson(index, json);
        }
        await folding.ConfigureAwait(false);
        await stacks.ConfigureAwait(false);
        var files = new List<string> { indexPath, geckoPath, summaryPath, stacksPath };
        if (foldedPath is not null) files.Add(foldedPath);
        if (_settings.KeepPerfData)
        {
            string kept = Path.Combine(runDirectory, "perf.data");
            File.Move(_recording.DataPath, kept, overwrite: true);
            files.Add(kept);
        }
        ProfilerTrace.Write(() => $"finish: perf stopped and read in {stopped:F0} ms, run files written in {clock.Elapsed.TotalMilliseconds - stopped:F0} ms (gecko written at {geckoAt:F0}, {view.SampleCount} samples)");
        return new RunArtifacts(files, indexPath);
    }

    public async ValueTask DisposeAsync()
    {
        await StopFollowingAsync().ConfigureAwait(false);
        await _recording.DisposeAsync().ConfigureAwait(false);
    }

    private RunIndex BuildIndex(Profile profile, ProfileView view, string title, Func<TestCaseWindow?, string, string> link, string runProfile)
    {
        var warnings = _warnings.Concat(profile.Warnings).ToList();
        if (profile.LostEvents + profile.LostSamples > 0)
        {
            warnings.Add($"the kernel dropped {profile.LostEvents + profile.LostSamples} events: raise the buffer (-m) or lower the frequency");
        }
        var entries = _tests.Select(t => new TestIndexEntry(t.Test.Name, t.Test.FullName, t.Test.Outcome, t.Test.DurationMs, t.Artifacts.Samples, Hottest(profile, t.View),
            LinkTo(t, ".flamegraph.html"), LinkTo(t, ".gecko.json"), NoFilesNote(t))
            {
                Unattributed = t.Located.How.Parallel ? t.Located.Unattributed : null,
            }).ToList();
        long? unattributed = _search.ParallelTests == 0 ? null : UnattributedSamples(profile);
        if (unattributed > 0) warnings.Add($"{unattributed} samples taken while tests ran in parallel could not be attributed to any test");
        return new RunIndex(title, string.Join(' ', profile.Session.CommandLine), profile.Session.Hostname ?? Environment.MachineName,
            _settings.Event, _settings.Frequency, view.SampleCount, profile.LostEvents + profile.LostSamples, _started,
            (DateTimeOffset.UtcNow - _started).TotalSeconds, warnings, runProfile, entries)
        {
            Unattributed = unattributed,
        };

        string? LinkTo(ProfiledTest t, string suffix)
        {
            var file = t.Artifacts.Files.FirstOrDefault(f => f.EndsWith(suffix, StringComparison.Ordinal));
            return file is null ? null : link(t.Test, file);
        }
    }

    /// <summary>
    /// The samples of this host, taken while a test that ran beside others ran, that no test was given: each counted
    /// once, though the tests' windows overlap.
    /// </summary>
    private long UnattributedSamples(Profile profile)
    {
        var windows = _tests.Where(t => t.Located.How.Parallel && t.View.SampleCount > 0)
            .Select(t => (t.Test.StartNs, t.Test.EndNs)).OrderBy(w => w.StartNs).ToList();
        var attributed = new System.Collections.BitArray(profile.SampleCount);
        foreach (var t in _tests)
        {
            foreach (int sample in t.View.Samples) attributed[sample] = true;
        }
        long count = 0;
        ulong countedUpTo = 0;
        foreach (var (start, end) in windows)
        {
            ulong from = Math.Max(start, countedUpTo);
            if (from > end) continue;
            foreach (int sample in profile.Select(new SampleFilter { FromNs = from, ToNs = end, Pid = _pid }).Samples)
            {
                if (!attributed[sample]) count++;
            }
            countedUpTo = end + 1;
        }
        return count;
    }

    private IReadOnlyList<string> WriteTestFiles(ProfileView view, string directory, string name, TestWindowSearch.Located located) =>
        WriteTestFiles(view, directory, name, located.Test, AttributionNote(located));

    private IReadOnlyList<string> WriteTestFiles(ProfileView view, string directory, string name, TestCaseWindow test, string? note) =>
        ReportWriter.Write(view, directory, _settings.TestFormats, $"{test.FullName} ({test.Outcome}, {test.DurationMs:F1} ms){(note is null ? "" : $"; {note}")}",
            new GeckoProfileOptions
            {
                Markers = new[] { new GeckoMarker(test.Name, test.StartNs, test.EndNs, new Dictionary<string, string> { ["outcome"] = test.Outcome }) },
                MarkerThreadTid = BusiestThread(view),
            },
            ReportFileNames.For(name));

    /// <summary>Two tests with the same safe name (parameterised tests, long names) get a numbered suffix.</summary>
    /// <summary>The thread with most of a test's samples: the one that ran it, where its marker goes.</summary>
    private static int? BusiestThread(ProfileView view)
    {
        var counts = new Dictionary<int, int>();
        foreach (int sample in view.Samples) System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, view.Profile.SampleThread(sample).Tid, out _)++;
        return counts.Count == 0 ? null : counts.MaxBy(c => c.Value).Key;
    }

    private string UniqueName(string name)
    {
        string candidate = name;
        for (int n = 2; !_usedNames.Add(candidate); n++) candidate = $"{name}-{n}";
        return candidate;
    }
}
