using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.DataCollection;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.DataCollector.InProcDataCollector;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.InProcDataCollector;
using PerfTestKit.Profiling;

namespace PerfTestKit.Collector.InProcess;

/// <summary>
/// Inside the VSTest test host: stamps each test's start and end on CLOCK_MONOTONIC as the adapter reports them (with
/// the type that declares its method, for inherited tests) and appends them to the log the PerfProfile collector follows (its path comes in the host's environment). VSTest
/// calls in-process collectors directly, so a test costs the host one small write, not a round trip to the collector
/// process. Off when the host has no log to write (profiling is off). It never throws into the host.
/// </summary>
public sealed class TestEventWriter : InProcDataCollection
{
    private readonly Dictionary<Guid, (ulong Start, string? DeclaringType)> _starts = new();
    private readonly object _gate = new();
    private FileStream? _log;
    private bool _failed;

    public void Initialize(IDataCollectionSink dataCollectionSink)
    {
    }

    public void TestSessionStart(TestSessionStartArgs testSessionStartArgs)
    {
        string? path = Environment.GetEnvironmentVariable(TestEventLog.FileVariable);
        if (string.IsNullOrEmpty(path)) return;
        try
        {
            lock (_gate) _log = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The collector says that no test's end came; the tests run as usual.
        }
    }

    public void TestCaseStart(TestCaseStartArgs testCaseStartArgs)
    {
        try
        {
            Started(testCaseStartArgs);
        }
        catch (Exception e)
        {
            Failed("a test's start", e);
        }
    }

    public void TestCaseEnd(TestCaseEndArgs testCaseEndArgs)
    {
        try
        {
            Ended(testCaseEndArgs);
        }
        catch (Exception e)
        {
            Failed("a test's end", e);
        }
    }

    private void Started(TestCaseStartArgs testCaseStartArgs)
    {
        ulong now = TestEventLog.MonotonicNow();
        if (_log is null || testCaseStartArgs.TestCase is not { } test) return;
        string? declaringType = TestMethodDeclarations.DeclaringTypeOfTest(test.Source, test.FullyQualifiedName);
        lock (_gate)
        {
            _starts[test.Id] = (now, declaringType);
            Append(TestEventLog.StartLine(test.Id.ToString(), test.DisplayName, test.FullyQualifiedName, now, declaringType));
        }
    }

    private void Ended(TestCaseEndArgs testCaseEndArgs)
    {
        ulong now = TestEventLog.MonotonicNow();
        if (_log is null || testCaseEndArgs.DataCollectionContext?.TestCase is not { } test) return;
        FaultInjection.At(FaultInjection.HostTestEnd);
        lock (_gate)
        {
            if (!_starts.Remove(test.Id, out var started)) return;
            Append(TestEventLog.Line(test.Id.ToString(), test.DisplayName, test.FullyQualifiedName, testCaseEndArgs.TestOutcome.ToString(), started.Start, now, started.DeclaringType));
        }
    }

    /// <summary>
    /// Nothing reaches the test host (an exception there fails the run): the first failure goes into the log, where
    /// the collector makes it its one warning.
    /// </summary>
    private void Failed(string what, Exception e)
    {
        lock (_gate)
        {
            if (_failed) return;
            _failed = true;
            Append(TestEventLog.ErrorLine(what, e));
        }
    }

    public void TestSessionEnd(TestSessionEndArgs testSessionEndArgs)
    {
        lock (_gate)
        {
            Append(TestEventLog.FinishedLine);
            _log?.Dispose();
            _log = null;
        }
    }

    private void Append(byte[] line)
    {
        try
        {
            _log?.Write(line);
            _log?.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _log = null;
        }
    }
}
