using System.Xml;
using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.DataCollection;
using PerfTestKit.Profiling;
using PerfTestKit.Recording;

namespace PerfTestKit.Collector;

/// <summary>
/// `dotnet test --collect:PerfProfile`: maps VSTest's events onto a <see cref="ProfilingSession"/>. By default each
/// test's start and end come from the in-process collector in the test host (<c>HostTestEvents</c>), so the host
/// never waits for this process, and the run's files (index, each test's flame graph and Gecko profile) are written
/// into the results folder as the tests go; the index is also attached to the session. With AttachToResults, or
/// where the build targets did not declare the in-process collector, it takes VSTest's per-test events instead and
/// attaches each test's files to its TRX result, at the price of a round trip per test.
/// A problem becomes one warning, never a failed run.
/// </summary>
[DataCollectorFriendlyName("PerfProfile")]
[DataCollectorTypeUri("datacollector://PerfTestKit/PerfProfile/1.0")]
public sealed class PerfProfileCollector : DataCollector, ITestExecutionEnvironmentSpecifier
{
    private const string StartupHookAssembly = "PerfTestKit.StartupHook.dll";
    private const string Title = "PerfTestKit profile";

    private readonly Dictionary<Guid, ulong> _testStarts = new();
    private readonly TaskCompletionSource<int> _testHostPid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ProfilingSession _session = null!;
    private DataCollectionSink _sink = null!;
    private DataCollectionLogger _logger = null!;
    private DataCollectionContext _sessionContext = null!;
    private XmlElement? _configuration;
    private string? _resultsDirectory;

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
        _session = new ProfilingSession();
        _resultsDirectory = CollectorSettings.HostEventsResultsDirectory(configurationElement);
        ProfilerTrace.Write(() => _resultsDirectory is null ? "collector: tests from VSTest's per-test events" : $"collector: tests from the test host, results in {_resultsDirectory}");

        events.SessionStart += OnSessionStart;
        events.TestHostLaunched += OnTestHostLaunched;
        if (_resultsDirectory is null)
        {
            events.TestCaseStart += OnTestCaseStart;
            events.TestCaseEnd += OnTestCaseEnd;
        }
        events.SessionEnd += OnSessionEnd;
    }

    /// <summary>
    /// What the test host needs: the session's variables, and a startup hook that holds the host until perf records
    /// (VSTest does not wait for the collector before the first test, so it would be missed).
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> GetTestExecutionEnvironmentVariables()
    {
        ProfilerTrace.Write(() => "collector: test host variables asked");
        var variables = _session.HostVariables.ToList();
        string hook = Path.Combine(Path.GetDirectoryName(typeof(PerfProfileCollector).Assembly.Location) ?? "", StartupHookAssembly);
        if (variables.Count > 0 && File.Exists(hook))
        {
            string? existing = Environment.GetEnvironmentVariable("DOTNET_STARTUP_HOOKS");
            variables.Add(new("DOTNET_STARTUP_HOOKS", string.IsNullOrEmpty(existing) ? hook : existing + Path.PathSeparator + hook));
        }
        return variables;
    }

    private void OnSessionStart(object? sender, SessionStartEventArgs e)
    {
        ProfilerTrace.Write(() => "collector: session start");
        try
        {
            var sources = e.GetPropertyValue<IEnumerable<string>>("TestSources") ?? Enumerable.Empty<string>();
            if (!_session.Configure(CollectorSettings.Parse(_configuration, sources, out var errors), errors)) return;
            // With several test sources, vstest.console starts a host (and a collector) for each: perf on it would
            // record every host once per collector. Then each collector attaches to its own host instead.
            int sourceCount = sources.Count();
            bool onLauncher = sourceCount <= 1 && ParentProcess.Id() is { } launcher && _session.RecordLauncher(launcher);
            ProfilerTrace.Write(() => sourceCount > 1 ? $"collector: {sourceCount} test sources: perf will attach to this collector's host"
                : $"collector: perf on the launcher {(onLauncher ? "records" : "failed")}");
            // Say why perf cannot record, if that is why.
            if (!onLauncher) _session.CheckPerfAsync().GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            _session.Disable(ex.Message);
        }
        finally
        {
            ShowWarning();
        }
    }

    private void OnTestHostLaunched(object? sender, TestHostLaunchedEventArgs e) => Guarded("the test host's start", () =>
    {
        ProfilerTrace.Write(() => $"collector: test host {e.TestHostProcessId} launched");
        if (!_testHostPid.TrySetResult(e.TestHostProcessId)) return;
        int pid = e.TestHostProcessId;
        string output = _resultsDirectory is { } results
            ? Path.Combine(results, ProfilingSession.RunFolderName(pid))
            : Path.Combine(_session.WorkDirectory, $"host-{pid}", "out");
        _session.HostStarted(pid, output, followEventLog: _resultsDirectory is not null);
    });

    private void OnTestCaseStart(object? sender, TestCaseStartEventArgs e) => Guarded("a test's start", () =>
    {
        ProfilerTrace.Write(() => $"collector: test start {e.TestElement?.DisplayName}");
        // The first test must not start before perf records: wait for it once (later calls return at once).
        bool recording = _session.WaitUntilRecording();
        ShowWarning();
        if (!recording) return;
        ulong now = LiveRecording.MonotonicNow();
        lock (_testStarts) _testStarts[e.TestElement?.Id ?? Guid.Empty] = now;
        if (e.TestElement is { } test) _session.TestStarted(new TestCaseWindow(test.Id.ToString(), test.DisplayName, test.FullyQualifiedName, TestCaseWindow.Running, now, now));
    });

    private void OnTestCaseEnd(object? sender, TestCaseEndEventArgs e) => Guarded("a test's end", () =>
    {
        ulong end = LiveRecording.MonotonicNow();
        if (e.TestElement is not { } test) return;
        FaultInjection.At(FaultInjection.CollectorTestEnd);
        ulong start;
        lock (_testStarts)
        {
            if (!_testStarts.Remove(test.Id, out start)) return;
        }
        var window = new TestCaseWindow(test.Id.ToString(), test.DisplayName, test.FullyQualifiedName, e.TestOutcome.ToString(), start, end);
        // VSTest attaches only what is sent inside this handler.
        foreach (var file in _session.EndTest(window)?.Files ?? Array.Empty<string>())
        {
            _sink.SendFileAsync(e.Context, file, deleteFile: false);
        }
        ShowWarning();
    });

    /// <summary>
    /// Runs an event handler so that nothing it throws reaches VSTest (which would fail the run): the problem becomes
    /// the session's one warning.
    /// </summary>
    private void Guarded(string what, Action handler)
    {
        try
        {
            handler();
        }
        catch (Exception ex)
        {
            ProfilerTrace.Write(() => $"collector: {what}: {ex}");
            _session.Warn($"profiling failed at {what}: {ex.Message}");
            ShowWarning();
        }
    }

    private void OnSessionEnd(object? sender, SessionEndEventArgs e)
    {
        ProfilerTrace.Write(() => "collector: session end");
        try
        {
            if (_resultsDirectory is not null)
            {
                // The run's files stay where they were written, in the results folder, and nothing is sent through
                // VSTest: a run with attachments makes `dotnet test` start a second vstest.console after the tests to
                // process them (0.5-0.9 s), and the build's report says where the index is.
                string output = _session.OutputDirectory;
                _session.FinishAsync((_, file) => Path.GetRelativePath(output, file).Replace('\\', '/'), Title).GetAwaiter().GetResult();
            }
            else
            {
                // VSTest copies a test's files into a folder named after the test case id, next to the session's files.
                var run = _session.FinishAsync((test, file) => test is null ? Path.GetFileName(file) : $"{test.Id}/{Path.GetFileName(file)}", Title).GetAwaiter().GetResult();
                foreach (var file in run?.Files ?? Array.Empty<string>()) _sink.SendFileAsync(_sessionContext, file, deleteFile: false);
            }
            if (_session.CostSummary() is { } cost) _logger.LogWarning(_sessionContext, $"PerfProfile: {cost}");
        }
        catch (Exception ex)
        {
            _session.Warn($"could not write the run's profile: {ex.Message}");
        }
        ShowWarning();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ProfilerTrace.Write(() => "collector: dispose");
            // Attachments were copied when the session ended: the session's temporary files can go.
            _session?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            ProfilerTrace.Write(() => "collector: disposed");
        }
        base.Dispose(disposing);
    }

    private void ShowWarning()
    {
        if (_session.TakeWarning() is { } warning) _logger.LogWarning(_sessionContext, warning);
    }
}
