using System.Diagnostics;
using PerfTestKit.Recording;

namespace PerfTestKit.Profiling;

/// <summary>
/// One profiled test run, the way every front end drives it: a work folder, the variables the test host gets, perf
/// started on the host (or on the process that launches it), the host held until perf records, the tests' ends
/// followed from the log the host side writes (or handed in one by one where a front end must attach files inside a
/// test's end), the run's files at the end, one warning for the first problem, and clean-up. Front ends only map
/// their events onto these calls; nothing here throws at them.
/// </summary>
public sealed class ProfilingSession : IAsyncDisposable
{
    /// <summary>How long a front end waits for perf before its first test, at most.</summary>
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(20);

    /// <summary>How often the host's test log is read: each read handles every test that ended since.</summary>
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(20);

    private readonly CancellationTokenSource _hostDone = new();
    private readonly object _warningGate = new();
    // The profiler, once the host started and perf records it; null when profiling is off or there was no host.
    private readonly TaskCompletionSource<TestRunProfiler?> _profilerSource = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _hostStarted;
    private Task _follower = Task.CompletedTask;
    private LiveRecording? _launcherRecording;
    private TestEventLogFollower? _log;
    private int _pid;
    private string? _warning;
    private readonly Dictionary<string, TestCaseWindow> _running = new(StringComparer.Ordinal);
    private bool _warned;

    public ProfilingSession()
    {
        WorkDirectory = WorkDirectories.Create();
        EventLogPath = Path.Combine(WorkDirectory, "tests.events");
        ReadyFile = Path.Combine(WorkDirectory, "ready");
    }

    public ProfilerSettings Settings { get; private set; } = new();

    /// <summary>The session's temporary folder: perf's file and what is written before it is handed over.</summary>
    public string WorkDirectory { get; }

    /// <summary>Where the host side appends each test's end (<see cref="TestEventLog"/>).</summary>
    public string EventLogPath { get; }

    /// <summary>Created once perf records, or once it will not: the host waits for it before its first test.</summary>
    public string ReadyFile { get; }

    /// <summary>Where the run's files go (set when the host starts).</summary>
    public string OutputDirectory { get; private set; } = "";

    /// <summary>Off for the rest of the run: the tests run unprofiled.</summary>
    public bool Disabled { get; private set; }

    /// <summary>
    /// The test host's variables: the runtime's perf variables, the log and the ready file. A host that has none
    /// of our code ignores the last two.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> HostVariables => Disabled
        ? Array.Empty<KeyValuePair<string, string>>()
        : DotNetPerfEnvironment.TestHostVariables
            .Append(new(TestEventLog.FileVariable, EventLogPath))
            .Append(new(TestEventLog.ReadyFileVariable, ReadyFile))
            .ToList();

    /// <summary>A results folder name of its own for this run's files.</summary>
    public static string RunFolderName(int testHostPid) => $"PerfProfile-{DateTime.UtcNow:yyyyMMdd'T'HHmmss}-{testHostPid}";

    /// <summary>Takes the settings; invalid ones switch profiling off with a warning. False when off.</summary>
    public bool Configure(ProfilerSettings settings, IReadOnlyList<string> errors)
    {
        Settings = settings;
        if (errors.Count > 0) Disable("the PerfProfile settings are invalid: " + string.Join("; ", errors));
        return !Disabled;
    }

    /// <summary>Whether perf can record here; if not, profiling is off with the reason as its warning.</summary>
    public async Task<bool> CheckPerfAsync()
    {
        if (Disabled) return false;
        var availability = await PerfProbe.CheckAsync(Settings.PerfPath).ConfigureAwait(false);
        ProfilerTrace.Write(() => $"session: perf probe: {availability.Message}");
        if (!availability.IsAvailable) Disable(availability.Message);
        return !Disabled;
    }

    /// <summary>
    /// Starts perf on the process that is about to launch the test host, so perf follows the host from its first
    /// instruction and the host never waits for perf to attach. False when perf could not start that way (the host
    /// is then attached to once it runs). The host is released at once: perf will be there.
    /// </summary>
    public bool RecordLauncher(int launcherPid)
    {
        if (Disabled) return false;
        try
        {
            _launcherRecording = TestRunProfiler.RecordChildrenOf(Settings, launcherPid, Path.Combine(WorkDirectory, "launcher"));
            ReleaseHost();
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            ProfilerTrace.Write(() => $"session: perf on the launcher {launcherPid}: {ex.Message}");
            return false;
        }
    }

    /// <summary>
    /// The test host runs as <paramref name="pid"/>: profile it, writing the run's files to
    /// <paramref name="outputDirectory"/>. With <paramref name="followEventLog"/>, each test's files are written as
    /// its end appears in the host's log, off the host's path; otherwise the front end hands in each test with
    /// <see cref="EndTest"/>.
    /// </summary>
    public void HostStarted(int pid, string outputDirectory, bool followEventLog)
    {
        if (Interlocked.Exchange(ref _hostStarted, 1) == 1) return;
        if (Disabled)
        {
            _profilerSource.TrySetResult(null);
            return;
        }
        _pid = pid;
        OutputDirectory = outputDirectory;
        if (followEventLog) _follower = Task.Run(FollowEventLogAsync);
        _ = Task.Run(() => _profilerSource.TrySetResult(StartProfiler()));
    }

    private Task<TestRunProfiler?> ProfilerTask => _profilerSource.Task;

    /// <summary>No host will start now (the run is over): nothing waits for a profiler any more.</summary>
    private void NoMoreHost()
    {
        if (Interlocked.Exchange(ref _hostStarted, 1) == 0) _profilerSource.TrySetResult(null);
    }

    private TestRunProfiler? StartProfiler()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            // The host goes on as soon as perf records; the profiler warms up meanwhile (the host does not wait for us).
            var profiler = TestRunProfiler.Start(Settings, _pid, Path.Combine(WorkDirectory, $"host-{_pid}"), OutputDirectory, ReleaseHost, _launcherRecording);
            ProfilerTrace.Write(() => $"session: perf records {_pid}, warmed up in {clock.Elapsed.TotalMilliseconds:F0} ms");
            return profiler;
        }
        catch (Exception ex)
        {
            Disable(ex.Message);
            return null;
        }
        finally
        {
            ReleaseHost();
        }
    }

    /// <summary>Lets the host's first test go: perf records, or will not.</summary>
    public void ReleaseHost()
    {
        try { File.WriteAllText(ReadyFile, ""); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Waits (once, at most <see cref="StartWait"/>) until perf records; false when profiling is off.</summary>
    public bool WaitUntilRecording()
    {
        if (Disabled) return false;
        if (!ProfilerTask.Wait(StartWait))
        {
            Disable($"perf did not start within {StartWait.TotalSeconds:F0} s");
            return false;
        }
        return ProfilerTask.Result is not null;
    }

    /// <summary>
    /// A test started (front ends that hand in each test's end with <see cref="EndTest"/>): the tests that run
    /// meanwhile ran beside it.
    /// </summary>
    public void TestStarted(TestCaseWindow test)
    {
        lock (_running) _running[test.Id] = test with { Outcome = TestCaseWindow.Running, EndNs = test.StartNs };
    }

    /// <summary>
    /// A test ended and its files are wanted now, while the host waits (VSTest attaches files to a test's result
    /// only inside its end). Null when profiling is off or failed for this test (warned once).
    /// </summary>
    public TestArtifacts? EndTest(TestCaseWindow test)
    {
        List<TestCaseWindow> running;
        lock (_running)
        {
            _running.Remove(test.Id);
            running = _running.Values.ToList();
        }
        if (Disabled || !ProfilerTask.IsCompletedSuccessfully || ProfilerTask.Result is not { } profiler) return null;
        try
        {
            return profiler.EndTest(test, running);
        }
        catch (Exception ex)
        {
            Warn($"could not write the profile of {test.FullName}: {ex.Message}");
            return null;
        }
    }

    /// <summary>Writes each test's files as its end appears in the host's log, until the session's end or the host's.</summary>
    private async Task FollowEventLogAsync()
    {
        if (await ProfilerTask.ConfigureAwait(false) is not { } profiler) return;
        using var log = _log = new TestEventLogFollower(EventLogPath);
        while (true)
        {
            bool hostDone = _hostDone.IsCancellationRequested;
            List<TestCaseWindow> ended;
            try
            {
                ended = log.ReadNew(final: hostDone);
            }
            catch (Exception e)
            {
                Warn($"could not read the test host's events: {e.Message}");
                return;
            }
            if (log.HostError is { } hostError) Warn($"the test host could not report every test ({hostError}); the tests ran as usual");
            // In the order the tests started: the search for a test's samples begins where the one before ended.
            try
            {
                profiler.EndTests(ended.OrderBy(t => t.StartNs).ToList(), log.Running);
            }
            catch (Exception e)
            {
                Warn($"could not write the profiles of {ended.Count} tests: {e.Message}");
            }
            // After the host was done, one last read took what it wrote before. A host that ended without finishing
            // (it crashed) leaves tests that started and never reported their end: they are profiled up to the next
            // test's start, or to now, so that the tests that ran before the crash keep their profiles.
            if (hostDone && !log.Finished && log.Unfinished(TestEventLog.MonotonicNow()) is { Count: > 0 } unfinished)
            {
                try
                {
                    profiler.EndTests(unfinished, Array.Empty<TestCaseWindow>());
                }
                catch (Exception e)
                {
                    Warn($"could not write the profiles of {unfinished.Count} tests: {e.Message}");
                }
            }
            if (log.Finished || hostDone) return;
            try { await Task.Delay(FollowInterval, _hostDone.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>
    /// The host is done (its session ended, or it exited): takes the last tests from its log, stops perf and writes
    /// the run's files. <paramref name="link"/> gives the index's link to a file, from its test (null for the run's
    /// own files) and path. Null when profiling was off or failed (warned).
    /// </summary>
    public async Task<RunArtifacts?> FinishAsync(Func<TestCaseWindow?, string, string> link, string title)
    {
        NoMoreHost();
        _hostDone.Cancel();
        await _follower.ConfigureAwait(false);
        if (await ProfilerTask.ConfigureAwait(false) is not { } profiler) return null;
        if (_log is { TestsRead: 0, Finished: false })
        {
            Warn("the test host reported no test's end (it crashed before one, or its in-process part did not load): the run has its profile, no test has its own");
        }
        try
        {
            var clock = Stopwatch.StartNew();
            var run = await profiler.FinishAsync(link, title).ConfigureAwait(false);
            ProfilerTrace.Write(() => $"session: finished (stop perf, read the rest, write the run's files) in {clock.Elapsed.TotalMilliseconds:F0} ms");
            return run;
        }
        catch (Exception e)
        {
            Warn($"could not write the run's profile: {e.Message}");
            return null;
        }
    }

    /// <summary>The tests profiled and their files (complete after <see cref="FinishAsync"/>).</summary>
    public IEnumerable<(TestCaseWindow Test, TestArtifacts Artifacts)> Tests =>
        ProfilerTask.IsCompletedSuccessfully && ProfilerTask.Result is { } profiler ? profiler.Tests : Enumerable.Empty<(TestCaseWindow, TestArtifacts)>();

    /// <summary>"profiled N tests; per-test cost median X ms, max Y ms", or null before any test.</summary>
    public string? CostSummary()
    {
        if (!ProfilerTask.IsCompletedSuccessfully || ProfilerTask.Result is not { } profiler) return null;
        var costs = profiler.EndTestMilliseconds.Order().ToList();
        if (costs.Count == 0) return null;
        double median = costs.Count % 2 == 1 ? costs[costs.Count / 2] : (costs[costs.Count / 2 - 1] + costs[costs.Count / 2]) / 2;
        return $"profiled {costs.Count} tests; per-test cost median {median:F1} ms, max {costs[^1]:F1} ms";
    }

    /// <summary>Switches profiling off for the rest of the run, releases the host, and warns with the reason.</summary>
    public void Disable(string reason)
    {
        if (Disabled) return; // the first reason is the one to fix
        Disabled = true;
        ReleaseHost();
        string message = $"profiling is off for this run: {reason}. The tests run as usual.";
        Warn(message);
        // Also where a CI user looks first (GitHub Actions shows it on the run's page).
        Writers.RunReportText.AppendToStepSummary($"**PerfTestKit**: {message}\n\n");
    }

    /// <summary>Keeps the first problem only: one warning per run.</summary>
    public void Warn(string message)
    {
        lock (_warningGate)
        {
            if (_warned) return;
            _warned = true;
            _warning = $"PerfProfile: {message}";
        }
        ProfilerTrace.Write(() => $"session: warning: {message}");
    }

    /// <summary>The warning not yet shown, once: front ends show it where their users look.</summary>
    public string? TakeWarning() => Interlocked.Exchange(ref _warning, null);

    public async ValueTask DisposeAsync()
    {
        NoMoreHost();
        _hostDone.Cancel();
        try { await _follower.ConfigureAwait(false); }
        catch (Exception e) { ProfilerTrace.Write(() => $"session: follower: {e.Message}"); }
        var profiler = await ProfilerTask.ConfigureAwait(false);
        try
        {
            if (profiler is not null) await profiler.DisposeAsync().ConfigureAwait(false);
            // No test host came (or perf could not follow it): the launcher's recording is not wanted.
            else if (_launcherRecording is not null) await _launcherRecording.DiscardAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ProfilerTrace.Write(() => $"session: stopping perf: {e.Message}");
        }
        // What is left here is ours to remove, and so are the perf map and jitdump the host wrote because we asked.
        try { Directory.Delete(WorkDirectory, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        if (_pid != 0) DotNetPerfEnvironment.RemoveFilesWrittenBy(_pid);
    }
}
