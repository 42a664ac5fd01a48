using Microsoft.Testing.Platform.Configurations;
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Extensions.Messages;
using Microsoft.Testing.Platform.Extensions.OutputDevice;
using Microsoft.Testing.Platform.Extensions.TestHostControllers;
using Microsoft.Testing.Platform.Messages;
using Microsoft.Testing.Platform.OutputDevice;
using PerfTestKit.Profiling;
using PerfTestKit.Writers;

namespace PerfTestKit.TestingPlatform;

/// <summary>
/// The out-of-process half (the platform's test host controller): maps the platform's events onto a
/// <see cref="ProfilingSession"/>, which gives the host its variables, records it with perf from its start and
/// follows the log in which the host side (<see cref="TestEventReporter"/>) writes each test's end. When the host
/// exits it reports the run's files and each test's as artifacts, and prints where the index is.
/// </summary>
internal sealed class TestHostRecorder : ITestHostEnvironmentVariableProvider, ITestHostProcessLifetimeHandler, IDataProducer, IOutputDeviceDataProducer
{
    private const int SlowestTests = 5;

    private readonly PerfProfileActivation _activation;
    private readonly IConfiguration _configuration;
    private readonly IMessageBus _messageBus;
    private readonly IOutputDevice _output;
    private ProfilingSession? _session;

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

    /// <summary>Called first, before the host starts: check that perf can run, then give the host its variables.</summary>
    public async Task UpdateAsync(IEnvironmentVariables environmentVariables)
    {
        try
        {
            var session = _session = new ProfilingSession();
            if (!session.Configure(_activation.Settings, _activation.Errors) || !await session.CheckPerfAsync().ConfigureAwait(false)) return;
            foreach (var (name, value) in session.HostVariables)
            {
                environmentVariables.SetVariable(new EnvironmentVariable(name, value, isSecret: false, isLocked: true));
            }
        }
        catch (Exception e)
        {
            // Never a failed run: the host runs unprofiled, and the warning is shown when it exits.
            if (_session is { } session) session.Disable(e.Message);
            ProfilerTrace.Write(() => $"mtp recorder: before the host: {e}");
        }
    }

    public Task<ValidationResult> ValidateTestHostEnvironmentVariablesAsync(IReadOnlyEnvironmentVariables environmentVariables) => ValidationResult.ValidTask;

    public Task BeforeTestHostProcessStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The platform does not wait for this; the host's <see cref="TestEventReporter"/> waits for the ready file instead.</summary>
    public Task OnTestHostProcessStartedAsync(ITestHostProcessInformation testHostProcessInformation, CancellationToken cancellationToken)
    {
        int pid = testHostProcessInformation.PID;
        try
        {
            _session?.HostStarted(pid, Path.Combine(_configuration.GetTestResultDirectory(), ProfilingSession.RunFolderName(pid)), followEventLog: true);
        }
        catch (Exception e)
        {
            _session?.Disable(e.Message);
        }
        return Task.CompletedTask;
    }

    public async Task OnTestHostProcessExitedAsync(ITestHostProcessInformation testHostProcessInformation, CancellationToken cancellationToken)
    {
        if (_session is not { } session) return;
        try
        {
            string output = session.OutputDirectory;
            if (await session.FinishAsync((_, file) => Path.GetRelativePath(output, file), "PerfTestKit profile").ConfigureAwait(false) is { } run)
            {
                await PublishAsync(session, run).ConfigureAwait(false);
                await ReportAsync(session, run).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            session.Warn($"could not report the run's profile: {e.Message}");
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
            await ShowWarningAsync(session).ConfigureAwait(false);
        }
    }

    /// <summary>Each test's files are named after the test; the run's files after what they are.</summary>
    private async Task PublishAsync(ProfilingSession session, RunArtifacts run)
    {
        foreach (var (test, artifacts) in session.Tests)
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
    private async Task ReportAsync(ProfilingSession session, RunArtifacts run)
    {
        string? summaryPath = run.Files.FirstOrDefault(f => Path.GetFileName(f) == "perftestkit-summary.json");
        if (summaryPath is null) return;
        var summary = RunSummary.Read(summaryPath);
        await DisplayAsync(new FormattedTextOutputDeviceData(RunReportText.Console(summary, SlowestTests))).ConfigureAwait(false);

        if (RunReportText.AppendToStepSummary(RunReportText.Markdown(summary, SlowestTests)) is { } error) session.Warn(error);
    }

    /// <summary>
    /// Shows the run's one warning, and writes it to PerfProfile-warning.txt reported as the run's artifact: `dotnet
    /// test` on Microsoft.Testing.Platform shows a test application's artifacts but not (before MTP 2.x and a recent
    /// SDK) what extensions display, and a silent loss of profiles is what a warning is for.
    /// </summary>
    private async Task ShowWarningAsync(ProfilingSession session)
    {
        if (session.TakeWarning() is not { } warning) return;
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
