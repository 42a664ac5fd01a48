using System.Xml;
using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.DataCollection;
using PerfTestKit.Profiling;
using PerfTestKit.Recording;

namespace PerfTestKit.Collector;

/// <summary>
/// `dotnet test --collect:PerfProfile`: records the test host with perf and attaches each test's flame graph and
/// Gecko profile to its result, and the run's index, Gecko profile and folded stacks to the session.
/// It only maps VSTest's events onto <see cref="TestRunProfiler"/>; a problem becomes one warning, never a failed run.
/// </summary>
[DataCollectorFriendlyName("PerfProfile")]
[DataCollectorTypeUri("datacollector://PerfTestKit/PerfProfile/1.0")]
public sealed class PerfProfileCollector : DataCollector, ITestExecutionEnvironmentSpecifier
{
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(20);
    private const string StartupHookAssembly = "PerfTestKit.StartupHook.dll";

    private readonly Dictionary<Guid, ulong> _testStarts = new();
    private DataCollectionSink _sink = null!;
    private DataCollectionLogger _logger = null!;
    private DataCollectionContext _sessionContext = null!;
    private ProfilerSettings _settings = new();
    private XmlElement? _configuration;
    private Task<TestRunProfiler?> _profiler = Task.FromResult<TestRunProfiler?>(null);
    private LiveRecording? _launcherRecording;
    private readonly TaskCompletionSource<int> _testHostPid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _workDirectory = "";
    private string _readyFile = "";
    private bool _disabled;
    private bool _warned;

    public override void Initialize(XmlElement? configurationElement, DataCollectionEvents events, DataCollectionSink dataSink,
        DataCollectionLogger logger, DataCollectionEnvironmentContext? environmentContext)
    {
        ProfilerTrace.Write(() => $"collector: initialize, {(DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds:F0} ms after the process started");
        _sink = dataSink;
        _logger = logger;
        // VSTest always passes the environment; its session context is where session files and warnings go.
        _sessionContext = environmentContext?.SessionDataCollectionContext
            ?? throw new ArgumentNullException(nameof(environmentContext), "the PerfProfile collector needs VSTest's environment context");
        _configuration = configurationElement;
        _workDirectory = WorkDirectories.Create();
        _readyFile = Path.Combine(_workDirectory, "ready");

        events.SessionStart += OnSessionStart;
        events.TestHostLaunched += OnTestHostLaunched;
        events.TestCaseStart += OnTestCaseStart;
        events.TestCaseEnd += OnTestCaseEnd;
        events.SessionEnd += OnSessionEnd;
    }

    /// <summary>
    /// What the test host needs: the runtime variables that name JIT and ReadyToRun code, and a startup hook that
    /// holds the host until perf records (VSTest does not wait for TestCaseStart, so the first test would be missed).
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> GetTestExecutionEnvironmentVariables()
    {
        ProfilerTrace.Write(() => "collector: test host variables asked");
        if (_disabled) return Array.Empty<KeyValuePair<string, string>>();
        var variables = DotNetPerfEnvironment.TestHostVariables.ToList();
        string hook = Path.Combine(Path.GetDirectoryName(typeof(PerfProfileCollector).Assembly.Location) ?? "", StartupHookAssembly);
        if (File.Exists(hook))
        {
            string? existing = Environment.GetEnvironmentVariable("DOTNET_STARTUP_HOOKS");
            variables.Add(new("DOTNET_STARTUP_HOOKS", string.IsNullOrEmpty(existing) ? hook : existing + Path.PathSeparator + hook));
            variables.Add(new("PERFTESTKIT_READY_FILE", _readyFile));
        }
        return variables;
    }

    private void OnSessionStart(object? sender, SessionStartEventArgs e)
    {
        ProfilerTrace.Write(() => "collector: session start");
        var sources = e.GetPropertyValue<IEnumerable<string>>("TestSources") ?? Enumerable.Empty<string>();
        _settings = CollectorSettings.Parse(_configuration, sources, out var errors);
        if (errors.Count > 0) Disable("the PerfProfile settings are invalid: " + string.Join("; ", errors));
        if (_disabled) return;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // With several test sources, vstest.console starts a host (and a collector) for each: perf on it would record
        // every host once per collector. Then each collector attaches to its own host instead.
        int sourceCount = sources.Count();
        _launcherRecording = sourceCount <= 1 ? RecordLauncher() : null;
        ProfilerTrace.Write(() => sourceCount > 1 ? $"collector: {sourceCount} test sources: perf will attach to this collector's host"
            : $"collector: perf on the launcher {(_launcherRecording is null ? "failed" : "records")} after {clock.Elapsed.TotalMilliseconds:F0} ms");
        if (_launcherRecording is not null)
        {
            // perf will follow the host from its start: nothing to wait for.
            ReleaseTestHost();
        }
        else
        {
            // Say why perf cannot record, if that is why.
            var availability = PerfProbe.CheckAsync(_settings.PerfPath).GetAwaiter().GetResult();
            ProfilerTrace.Write(() => $"collector: perf probe: {availability.Message}");
            if (!availability.IsAvailable) Disable(availability.Message);
        }
        // The profiler is ready once the test host's pid is known; tests wait for it (TestHostLaunched may come late).
        _profiler = _disabled ? Task.FromResult<TestRunProfiler?>(null) : _testHostPid.Task.ContinueWith(t => StartProfiler(t.Result), TaskScheduler.Default);
    }

    /// <summary>
    /// perf on the process that launches the test host (vstest.console, our parent), started before the launch:
    /// VSTest waits for SessionStart before it starts the host, so perf follows the host from its first instruction
    /// and the host never waits for perf to attach. Null when perf could not start.
    /// </summary>
    private LiveRecording? RecordLauncher()
    {
        if (ParentProcess.Id() is not { } launcher) return null;
        try
        {
            return TestRunProfiler.RecordChildrenOf(_settings, launcher, Path.Combine(_workDirectory, "launcher"));
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            ProfilerTrace.Write(() => $"collector: perf on the launcher {launcher}: {ex.Message}");
            return null;
        }
    }

    private void OnTestHostLaunched(object? sender, TestHostLaunchedEventArgs e)
    {
        ProfilerTrace.Write(() => $"collector: test host {e.TestHostProcessId} launched");
        _testHostPid.TrySetResult(e.TestHostProcessId);
    }

    private TestRunProfiler? StartProfiler(int pid)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // The host goes on as soon as perf records; the profiler warms up meanwhile (the host does not wait for us).
            string hostDirectory = Path.Combine(_workDirectory, $"host-{pid}");
            var profiler = TestRunProfiler.Start(_settings, pid, hostDirectory, Path.Combine(hostDirectory, "out"), ReleaseTestHost, _launcherRecording);
            ProfilerTrace.Write(() => $"collector: perf attached to {pid} and warmed up in {clock.Elapsed.TotalMilliseconds:F0} ms");
            return profiler;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            Disable(ex.Message);
            return null;
        }
        finally
        {
            ReleaseTestHost();
        }
    }

    /// <summary>Lets the test host's startup hook go on: perf records, or will not.</summary>
    private void ReleaseTestHost() => TryDelete(() => File.WriteAllText(_readyFile, ""));

    private void OnTestCaseStart(object? sender, TestCaseStartEventArgs e)
    {
        if (_disabled) return;
        ProfilerTrace.Write(() => $"collector: test start {e.TestElement?.DisplayName}");
        // The first test must not start before perf records: wait for it once (later calls return at once).
        if (!_profiler.Wait(StartWait))
        {
            Disable($"perf did not start within {StartWait.TotalSeconds:F0} s");
            return;
        }
        lock (_testStarts) _testStarts[e.TestElement?.Id ?? Guid.Empty] = LiveRecording.MonotonicNow();
    }

    private void OnTestCaseEnd(object? sender, TestCaseEndEventArgs e)
    {
        ulong end = LiveRecording.MonotonicNow();
        if (_disabled || !_profiler.IsCompletedSuccessfully || _profiler.Result is not { } profiler || e.TestElement is not { } test) return;
        ulong start;
        lock (_testStarts)
        {
            if (!_testStarts.Remove(test.Id, out start)) return;
        }
        try
        {
            var window = new TestCaseWindow(test.Id.ToString(), test.DisplayName, test.FullyQualifiedName, e.TestOutcome.ToString(), start, end);
            // VSTest attaches only what is sent inside this handler.
            foreach (var file in profiler.EndTest(window).Files)
            {
                _sink.SendFileAsync(e.Context, file, deleteFile: false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Warn($"could not write the profile of {test.FullyQualifiedName}: {ex.Message}");
        }
    }

    private void OnSessionEnd(object? sender, SessionEndEventArgs e)
    {
        ProfilerTrace.Write(() => "collector: session end");
        if (!_profiler.IsCompletedSuccessfully || _profiler.Result is not { } profiler) return;
        try
        {
            // VSTest copies a test's files into a folder named after the test case id, next to the session's files.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var run = profiler.FinishAsync((test, file) => $"{test.Id}/{Path.GetFileName(file)}", "PerfTestKit profile").GetAwaiter().GetResult();
            ProfilerTrace.Write(() => $"collector: session end (stop perf, read the rest, write the run's files) {clock.Elapsed.TotalMilliseconds:F0} ms");
            foreach (var file in run.Files) _sink.SendFileAsync(_sessionContext, file, deleteFile: false);
            var costs = profiler.EndTestMilliseconds.Order().ToList();
            if (costs.Count > 0)
            {
                // Of an even count, the median is the mean of the middle two (the upper one alone was reported before).
                double median = costs.Count % 2 == 1 ? costs[costs.Count / 2] : (costs[costs.Count / 2 - 1] + costs[costs.Count / 2]) / 2;
                _logger.LogWarning(_sessionContext, $"PerfProfile: profiled {costs.Count} tests; per-test cost median {median:F1} ms, max {costs[^1]:F1} ms");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Warn($"could not write the run's profile: {ex.Message}");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ProfilerTrace.Write(() => "collector: dispose");
            if (_profiler.IsCompletedSuccessfully && _profiler.Result is { } profiler)
            {
                profiler.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            else
            {
                // No test host came (or perf could not follow it): the launcher's recording is not wanted.
                _launcherRecording?.DiscardAsync().GetAwaiter().GetResult();
            }
            // Attachments were copied when the session ended; what is left here is ours to remove,
            // and so are the perf map and jitdump the test host wrote because we asked it to.
            TryDelete(() => Directory.Delete(_workDirectory, recursive: true));
            if (_testHostPid.Task.IsCompletedSuccessfully) DotNetPerfEnvironment.RemoveFilesWrittenBy(_testHostPid.Task.Result);
            ProfilerTrace.Write(() => "collector: disposed");
        }
        base.Dispose(disposing);
    }

    private static void TryDelete(Action delete)
    {
        try { delete(); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private void Disable(string reason)
    {
        _disabled = true;
        ReleaseTestHost();
        Warn($"profiling is off for this run: {reason}. The tests run as usual.");
    }

    private void Warn(string message)
    {
        if (_warned) return;
        _warned = true;
        _logger.LogWarning(_sessionContext, $"PerfProfile: {message}");
    }
}
