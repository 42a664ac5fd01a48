using System.Diagnostics;

namespace PerfTestKit.Profiling;

/// <summary>
/// Timing lines for diagnosing the profiler itself, appended to the file named by PERFTESTKIT_TRACE when set.
/// Off (and free) otherwise.
/// </summary>
public static class ProfilerTrace
{
    private static readonly string? TracePath = Environment.GetEnvironmentVariable("PERFTESTKIT_TRACE");
    private static readonly object Gate = new();

    /// <summary>Builds and appends the line only when tracing is on: callers sit on the per-test path.</summary>
    public static void Write(Func<string> message)
    {
        if (TracePath is null) return;
        lock (Gate)
        {
            try { File.AppendAllText(TracePath, $"{Stopwatch.GetTimestamp()} [{Environment.ProcessId}] {message()}\n"); }
            catch (IOException) { }
        }
    }
}
