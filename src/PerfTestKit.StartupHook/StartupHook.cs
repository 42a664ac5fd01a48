using System.Diagnostics;

/// <summary>
/// Loaded into the test host through DOTNET_STARTUP_HOOKS, before its Main: holds the host until the profiler
/// says perf records (by creating the file named in PERFTESTKIT_READY_FILE), so the first test is not missed.
/// VSTest does not wait for a data collector's TestCaseStart, and perf needs about half a second to attach.
/// Never blocks for long: after PERFTESTKIT_READY_TIMEOUT_MS (default 30 s) the host goes on regardless.
/// </summary>
internal static class StartupHook
{
    public const string ReadyFileVariable = "PERFTESTKIT_READY_FILE";
    public const string TimeoutVariable = "PERFTESTKIT_READY_TIMEOUT_MS";

    public static void Initialize()
    {
        string? readyFile = Environment.GetEnvironmentVariable(ReadyFileVariable);
        if (string.IsNullOrEmpty(readyFile)) return;
        int timeoutMs = int.TryParse(Environment.GetEnvironmentVariable(TimeoutVariable), out int t) && t >= 0 ? t : 30_000;
        var clock = Stopwatch.StartNew();
        string? trace = Environment.GetEnvironmentVariable("PERFTESTKIT_TRACE");
        if (trace is not null) File.AppendAllText(trace, $"{Stopwatch.GetTimestamp()} [{Environment.ProcessId}] hook: waiting, {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds:F0} ms after the host started\n");
        while (!File.Exists(readyFile) && clock.ElapsedMilliseconds < timeoutMs)
        {
            Thread.Sleep(5);
        }
        if (trace is not null) File.AppendAllText(trace, $"{Stopwatch.GetTimestamp()} [{Environment.ProcessId}] hook: released after {clock.Elapsed.TotalMilliseconds:F0} ms\n");
    }
}
