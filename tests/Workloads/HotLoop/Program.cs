// A .NET workload with one known hot method, for the converter's tests and benchmarks: it burns CPU in
// HotLoop.Burner.SpinPrimes for the number of milliseconds of CPU time given, on each of as many threads as asked
// (default 1), and touches CoreLib (ReadyToRun code) through string formatting and sorting on the way. CPU time, not
// wall time: perf's cpu-clock samples count CPU time, so a busy machine stretches the run but not its samples.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HotLoop;

public static class Burner
{
    public static void Main(string[] args)
    {
        int millis = args.Length > 0 ? int.Parse(args[0]) : 1000;
        int threads = args.Length > 1 ? int.Parse(args[1]) : 1;
        long found = 0;
        var workers = Enumerable.Range(0, threads - 1).Select(_ => new Thread(() => Interlocked.Add(ref found, Burn(millis)))).ToList();
        workers.ForEach(t => t.Start());
        Interlocked.Add(ref found, Burn(millis));
        workers.ForEach(t => t.Join());
        Console.WriteLine($"found {found}");
    }

    private static long Burn(int millis)
    {
        double start = ThreadCpuMilliseconds();
        long found = 0;
        while (ThreadCpuMilliseconds() - start < millis)
        {
            found += SpinPrimes(20_000);
            found += FormatAndSort(200);
        }
        return found;
    }

    private static double ThreadCpuMilliseconds()
    {
        const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID
        if (clock_gettime(ClockThreadCpuTime, out var now) != 0) throw new InvalidOperationException("clock_gettime failed");
        return now.Seconds * 1e3 + now.Nanoseconds / 1e6;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int clock_gettime(int clock, out TimeSpec time);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SpinPrimes(int limit)
    {
        long count = 0;
        for (int n = 2; n < limit; n++)
        {
            bool prime = true;
            for (int d = 2; d * d <= n; d++)
            {
                if (n % d == 0) { prime = false; break; }
            }
            if (prime) count++;
        }
        return count;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long FormatAndSort(int count)
    {
        var items = new string[count];
        for (int i = 0; i < count; i++) items[i] = (i * 7919 % 1000).ToString("D6");
        Array.Sort(items, StringComparer.Ordinal);
        return items[0].Length;
    }
}
