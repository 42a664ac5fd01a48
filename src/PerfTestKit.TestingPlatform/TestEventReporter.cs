using System.Diagnostics;
using Microsoft.Testing.Platform.Extensions.Messages;
using Microsoft.Testing.Platform.Extensions.TestHost;
using Microsoft.Testing.Platform.TestHost;
#if MTP2
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Services;
#endif
using PerfTestKit.Profiling;

namespace PerfTestKit.TestingPlatform;

/// <summary>
/// Inside the test host: holds the session until perf records (so the first test is not missed), then stamps each
/// test's start and end on CLOCK_MONOTONIC as the platform reports them and appends both to the event log (a test
/// still running when another ends ran beside it; a crashed host's last test is known by its start).
/// The recorder finds the test's exact window from the samples; these stamps bound the search (they come a little
/// after the facts, as the platform delivers messages asynchronously).
/// </summary>
internal sealed class TestEventReporter : IDataConsumer, ITestSessionLifetimeHandler, IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly string? _logPath = Environment.GetEnvironmentVariable(TestEventLog.FileVariable);
    private readonly string? _readyFile = Environment.GetEnvironmentVariable(TestEventLog.ReadyFileVariable);
    private readonly Dictionary<string, (ulong Start, string FullName, string? DeclaringType)> _starts = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private FileStream? _log;
    private bool _failed;

    public string Uid => "PerfTestKit.PerfProfile.TestEvents";
    public string Version => PerfProfileExtension.Version;
    public string DisplayName => "PerfTestKit PerfProfile (test host)";
    public string Description => "Tells the PerfProfile recorder when each test ran.";
    public Type[] DataTypesConsumed => new[] { typeof(TestNodeUpdateMessage) };

    /// <summary>On only in a host the recorder started (it sets the log's path).</summary>
    public Task<bool> IsEnabledAsync() => Task.FromResult(!string.IsNullOrEmpty(_logPath));

#if MTP2
    public Task OnTestSessionStartingAsync(ITestSessionContext context) => WaitForRecorder(context.CancellationToken);

    public Task OnTestSessionFinishingAsync(ITestSessionContext context) => EndSession();
#else
    public Task OnTestSessionStartingAsync(SessionUid sessionUid, CancellationToken cancellationToken) => WaitForRecorder(cancellationToken);

    public Task OnTestSessionFinishingAsync(SessionUid sessionUid, CancellationToken cancellationToken) => EndSession();
#endif

    private async Task WaitForRecorder(CancellationToken cancellationToken)
    {
        // The recorder creates the file once perf records, or when it gave up; never wait for long either way.
        // Waiting asynchronously blocks no pool thread: a blocked pool makes the runtime start threads, and a
        // thread started while perf attaches escapes it (LiveRecording then attaches again, at a cost).
        var clock = Stopwatch.StartNew();
        while (!string.IsNullOrEmpty(_readyFile) && !File.Exists(_readyFile) && clock.Elapsed < ReadyTimeout && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
        }
        ProfilerTrace.Write(() => $"mtp host: waited {clock.Elapsed.TotalMilliseconds:F0} ms for the recorder, ready: {File.Exists(_readyFile)}, at {TestEventLog.MonotonicNow()}");
        lock (_gate)
        {
            try
            {
                _log = new FileStream(_logPath!, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The recorder says that no test's end came; the tests run as usual.
                ProfilerTrace.Write(() => $"mtp host: cannot open the test log: {e.Message}");
            }
        }
    }

    public Task ConsumeAsync(IDataProducer dataProducer, IData value, CancellationToken cancellationToken)
    {
        ulong now = TestEventLog.MonotonicNow();
        if (value is not TestNodeUpdateMessage { TestNode: var node }) return Task.CompletedTask;
        try
        {
            Consume(node, now);
        }
        catch (Exception e)
        {
            // Nothing reaches the platform: the first failure goes into the log, where the recorder makes it its one warning.
            lock (_gate)
            {
                if (!_failed)
                {
                    _failed = true;
                    Append(TestEventLog.ErrorLine("a test's update", e));
                }
            }
        }
        return Task.CompletedTask;
    }

    private void Consume(TestNode node, ulong now)
    {
        var state = node.Properties.SingleOrDefault<TestNodeStateProperty>();
        string id = node.Uid.Value;
        if (state is InProgressTestNodeStateProperty)
        {
            string fullName = FullName(node);
            string? declaringType = DeclaringType(node);
            lock (_gate)
            {
                _starts[id] = (now, fullName, declaringType);
                Append(TestEventLog.StartLine(id, node.DisplayName, fullName, now, declaringType));
            }
        }
        else if (Outcome(state) is { } outcome)
        {
            FaultInjection.At(FaultInjection.HostTestEnd);
            lock (_gate)
            {
                if (_starts.Remove(id, out var started))
                    Append(TestEventLog.Line(id, node.DisplayName, started.FullName, outcome, started.Start, now, started.DeclaringType));
            }
        }
    }

    private Task EndSession()
    {
        lock (_gate)
        {
            Append(TestEventLog.FinishedLine);
            _log?.Dispose();
            _log = null;
        }
        return Task.CompletedTask;
    }

    private void Append(byte[] line)
    {
        if (_log is null) return;
        try
        {
            _log.Write(line);
            _log.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Never into the platform: the recorder profiles what it was told of.
            _log = null;
        }
    }

    private static string? Outcome(TestNodeStateProperty? state) => state switch
    {
        PassedTestNodeStateProperty => "Passed",
        FailedTestNodeStateProperty => "Failed",
        ErrorTestNodeStateProperty => "Error",
        TimeoutTestNodeStateProperty => "Timeout",
        CancelledTestNodeStateProperty => "Cancelled",
        SkippedTestNodeStateProperty => "Skipped",
        _ => null,
    };

    /// <summary>
    /// "Namespace.Class.Method(args)", as the stacks name the method: the VSTest name where a bridged adapter
    /// (NUnit, xUnit) passes it on, else the platform's method identity, else the node's id.
    /// </summary>
    private static string FullName(TestNode node)
    {
        ProfilerTrace.Write(() => $"mtp test node {node.Uid.Value}: {string.Join(" | ", node.Properties.AsEnumerable().Select(p => p.ToString()))}");
        if (node.Properties.SingleOrDefault<TestMethodIdentifierProperty>() is { } method)
        {
            string type = string.IsNullOrEmpty(method.Namespace) ? method.TypeName : $"{method.Namespace}.{method.TypeName}";
            return $"{type}.{method.MethodName}";
        }
        return node.Uid.Value;
    }

    /// <summary>The type that declares the test's method, when a base class does (inherited tests).</summary>
    private static string? DeclaringType(TestNode node) =>
        node.Properties.SingleOrDefault<TestMethodIdentifierProperty>() is { } method
            ? TestMethodDeclarations.DeclaringType(method.AssemblyFullName,
                string.IsNullOrEmpty(method.Namespace) ? method.TypeName : $"{method.Namespace}.{method.TypeName}", method.MethodName)
            : null;

    public void Dispose()
    {
        lock (_gate) _log?.Dispose();
    }
}
