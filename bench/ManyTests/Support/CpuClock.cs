using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ManyTests;

/// <summary>
/// The calling thread's CPU time (Linux CLOCK_THREAD_CPUTIME_ID): the workloads spin until their thread has used
/// so much CPU, so a test does the same amount of work whether the machine is idle or busy (or profiled). Where
/// that clock is not available, wall time stands in.
/// </summary>
internal static class CpuClock
{
    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static readonly bool ThreadClockWorks = Probe();

    private static bool Probe()
    {
        try
        {
            return OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out _) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Milliseconds of CPU this thread has used (or of wall time, without the thread clock).</summary>
    public static double ThreadMilliseconds()
    {
        if (ThreadClockWorks && ClockGetTime(ClockThreadCpuTime, out var t) == 0)
        {
            return t.Seconds * 1000.0 + t.Nanoseconds / 1e6;
        }
        return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
    }
}
