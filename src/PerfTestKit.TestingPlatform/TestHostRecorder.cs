using System.Diagnostics;
using Microsoft.Testing.Platform.Configurations;
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Extensions.Messages;
using Microsoft.Testing.Platform.Extensions.OutputDevice;
using Microsoft.Testing.Platform.Extensions.TestHostControllers;
using Microsoft.Testing.Platform.Messages;
using Microsoft.Testing.Platform.OutputDevice;
using PerfTestKit.Profiling;
using PerfTestKit.Recording;
using PerfTestKit.Writers;

namespace PerfTestKit.TestingPlatform;

/// <summary>
/// The out-of-process half (the platform's test host controller): gives the test host the variables that name
/// .NET code for perf, records the host with perf from its start, follows the host's test events to write each
/// test's flame graph and Gecko profile as the test ends, and when the host exits writes the run's index, Gecko
/// profile and folded stacks into the results directory and reports them as the run's artifacts.
/// It only maps the platform's events onto <see cref="TestRunProfiler"/>; any problem is one warning, never a failed run.
/// </summary>
internal sealed class TestHostRecorder : ITestHostEnvironmentVariableProvider, ITestHostProcessLifetimeHandler, IDataProducer, IOutputDeviceDataProducer
{
    private const int SlowestTests = 5;
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(20);

    private readonly PerfProfileActivation _activation;
    private readonly IConfiguration _configuration;
    private readonly IMessageBus _messageBus;
    private readonly IOutputDevice _output;
    private readonly CancellationTokenSource _hostExited = new();
    private string _workDirectory = "";
    private string _outputDirectory = "";
    private string _eventLog = "";
    private string _readyFile = "";
    private int _pid;
    private bool _disabled;
    private bool _warned;
    private Task<TestRunProfiler?> _profiler = Task.FromResult<TestRunProfiler?>(null);
    private Task _follower = Task.CompletedTask;

    public TestHostRecorder(PerfProfileActivation activation, IConfiguration configuration, IMessageBus messageBus, IOutputDevice output)
    {
        _activation = activation;
        _configuration = configuration;
        _messageBus = messageBus;
        _output = output;
    }

    public string Uid => "PerfTestKit.PerfProfile.Recorder";
    public string Version => PerfProfileExtension.Version;
    public string DisplayName => "PerfTestKit PerfProfile";
    public string Description => "Records the test host with Linux perf and writes a flame graph and a Gecko profile per test.";
    public Type[] DataTypesProduced => new[] { typeof(FileArtifact) };

    public Task<bool> IsEnabledAsync() => Task.FromResult(_activation.Enabled);

    /// <summary>Called first, before the host starts: check that perf can run, then ask the host to describe its code.</summary>
    public async Task UpdateAsync(IEnvironmentVariables environmentVariables)
    {
        if (_activation.Errors.Count > 0)
        {
            Disable("the PerfProfile settings are invalid: " + string.Join("; ", _activation.Errors));
            return;
        }
        var availability = await PerfProbe.CheckAsync(_activation.Settings.PerfPath).ConfigureAwait(false);
        if (!availability.IsAvailable)
        {
            Disable(availability.Message);
            return;
        }
        _workDirectory = WorkDirectories.Create();
        _eventLog = Path.Combine(_workDirectory, "tests.events");
        _readyFile = Path.Combine(_workDirectory, "ready");
        foreach (var (name, value) in DotNetPerfEnvironment.TestHostVariables) Set(name, value);
        Set(TestEventLog.FileVariable, _eventLog);
        Set(TestEventLog.ReadyFileVariable, _readyFile);

        void Set(string name, string value) =>
            environmentVariables.SetVariable(new EnvironmentVariable(name, value, isSecret: false, isLocked: true));
    }

    public Task<ValidationResult> ValidateTestHostEnvironmentVariablesAsync(IReadOnlyEnvironmentVariables environmentVariables) => ValidationResult.ValidTask;

    public Task BeforeTestHostProcessStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The platform does not wait for this; the host's <see cref="TestEventReporter"/> waits for the ready file instead.</summary>
    public Task OnTestHostProcessStartedAsync(ITestHostProcessInformation testHostProcessInformation, CancellationToken cancellationToken)
    {
        if (_disabled) return Task.CompletedTask;
        _pid = testHostProcessInformation.PID;
        _outputDirectory = Path.Combine(_configuration.GetTestResultDirectory(), $"PerfProfile-{DateTime.UtcNow:yyyyMMdd'T'HHmmss}-{_pid}");
        _profiler = Task.Run(StartProfiler);
        _follower = Task.Run(FollowTestsAsync);
        return Task.CompletedTask;
    }

    private TestRunProfiler? StartProfiler()
    {
        try
        {
            // The host goes on as soon as perf records; the profiler warms up meanwhile.
            return TestRunProfiler.Start(_activation.Settings, _pid, Path.Combine(_workDirectory, $"host-{_pid}"), _outputDirectory, () =>
            {
                ProfilerTrace.Write(() => $"mtp: perf records pid {_pid} at {LiveRecording.MonotonicNow()}");
                ReleaseTestHost();
            });
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

    private void ReleaseTestHost()
    {
        try { File.WriteAllText(_readyFile, ""); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Writes each test's files as its end appears in the host's event log, until the session's end or the host's exit.</summary>
    private async Task FollowTestsAsync()
    {
        if (await _profiler.ConfigureAwait(false) is not { } profiler) return;
        using var log = new TestEventLogFollower(_eventLog);
        while (true)
        {
            bool exited = _hostExited.IsCancellationRequested;
            List<TestCaseWindow> ended;
            bool finished;
            try
            {
                ended = log.ReadNew(out finished);
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
            {
                Warn($"could not read the test host's events: {e.Message}");
                return;
            }
            // In the order the tests started: the search for a test's samples begins where the one before ended.
            foreach (var test in ended.OrderBy(t => t.StartNs))
            {
                try
                {
                    profiler.EndTest(test);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
                {
                    Warn($"could not write the profile of {test.FullName}: {e.Message}");
                }
            }
            // After the host exited, one last read took what it wrote before.
            if (finished || exited) return;
            try { await Task.Delay(FollowInterval, _hostExited.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    public async Task OnTestHostProcessExitedAsync(ITestHostProcessInformation testHostProcessInformation, CancellationToken cancellationToken)
    {
        _hostExited.Cancel();
        var profiler = await _profiler.ConfigureAwait(false);
        try
        {
            await _follower.ConfigureAwait(false);
            if (profiler is null) return;
            var clock = Stopwatch.StartNew();
            var run = await profiler.FinishAsync((_, file) => Path.GetRelativePath(_outputDirectory, file), "PerfTestKit profile").ConfigureAwait(false);
            ProfilerTrace.Write(() => $"mtp: session end (stop perf, read the rest, write the run's files) {clock.Elapsed.TotalMilliseconds:F0} ms");
            await PublishAsync(profiler, run).ConfigureAwait(false);
            await ReportAsync(run).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Warn($"could not write the run's profile: {e.Message}");
        }
        finally
        {
            if (profiler is not null) await profiler.DisposeAsync().ConfigureAwait(false);
            if (_pid != 0) DotNetPerfEnvironment.RemoveFilesWrittenBy(_pid);
            if (_workDirectory.Length > 0)
            {
                try { Directory.Delete(_workDirectory, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
            await ShowWarningAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Each test's files are named after the test; the run's files after what they are.</summary>
    private async Task PublishAsync(TestRunProfiler profiler, RunArtifacts run)
    {
        foreach (var (test, artifacts) in profiler.Tests)
        {
            foreach (var file in artifacts.Files)
            {
                await _messageBus.PublishAsync(this, new FileArtifact(new FileInfo(file), $"{test.Name}: {Kind(file)}", test.FullName)).ConfigureAwait(false);
            }
        }
        foreach (var file in run.Files)
        {
            await _messageBus.PublishAsync(this, new FileArtifact(new FileInfo(file), $"PerfProfile run: {Kind(file)}", null)).ConfigureAwait(false);
        }
    }

    private static string Kind(string file) => Path.GetFileName(file) switch
    {
        var f when f.EndsWith(".flamegraph.html", StringComparison.Ordinal) => "flame graph",
        var f when f.EndsWith(".gecko.json", StringComparison.Ordinal) => "Gecko profile (Firefox Profiler)",
        var f when f.EndsWith(".folded", StringComparison.Ordinal) => "folded stacks",
        "index.html" => "index of the tests' profiles",
        "perf.data" => "perf.data",
        var f => f,
    };

    /// <summary>Where the index is and which tests were slowest, as the VSTest build report prints it.</summary>
    private async Task ReportAsync(RunArtifacts run)
    {
        string? summaryPath = run.Files.FirstOrDefault(f => Path.GetFileName(f) == "perftestkit-summary.json");
        if (summaryPath is null) return;
        var summary = RunSummary.Read(summaryPath);
        await DisplayAsync(new FormattedTextOutputDeviceData(RunReportText.Console(summary, SlowestTests))).ConfigureAwait(false);

        if (RunReportText.AppendToStepSummary(RunReportText.Markdown(summary, SlowestTests)) is { } error) Warn(error);
    }

    private string? _warning;

    private void Disable(string reason)
    {
        _disabled = true;
        Warn($"profiling is off for this run: {reason}. The tests run as usual.");
    }

    /// <summary>Keeps the first problem only: one warning per run, shown when the host has exited.</summary>
    private void Warn(string message)
    {
        if (_warned) return;
        _warned = true;
        _warning = $"PerfProfile: {message}";
    }

    /// <summary>
    /// Shows the warning, and writes it to PerfProfile-warning.txt reported as the run's artifact: `dotnet test` on
    /// Microsoft.Testing.Platform shows a test application's artifacts but not (before MTP 2.x and a recent SDK)
    /// what extensions display, and a silent loss of profiles is what a warning is for.
    /// </summary>
    private async Task ShowWarningAsync()
    {
        if (Interlocked.Exchange(ref _warning, null) is not { } warning) return;
        await DisplayAsync(new WarningMessageOutputDeviceData(warning)).ConfigureAwait(false);
        try
        {
            string directory = _configuration.GetTestResultDirectory();
            Directory.CreateDirectory(directory);
            string path = Path.Combine(directory, WarningFileName);
            await File.WriteAllTextAsync(path, warning + Environment.NewLine).ConfigureAwait(false);
            await _messageBus.PublishAsync(this, new FileArtifact(new FileInfo(path), warning, null)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The warning was displayed; a results folder we cannot write to has nothing more to lose.
        }
    }

    public const string WarningFileName = "PerfProfile-warning.txt";

#if MTP2
    private Task DisplayAsync(IOutputDeviceData data) => _output.DisplayAsync(this, data, CancellationToken.None);
#else
    private Task DisplayAsync(IOutputDeviceData data) => _output.DisplayAsync(this, data);
#endif
}
