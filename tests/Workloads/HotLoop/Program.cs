// A .NET workload with one known hot method, for the converter's tests and benchmarks: it burns CPU in
// HotLoop.Burner.SpinPrimes for the number of milliseconds given (on as many threads as asked, default 1),
// and touches CoreLib (ReadyToRun code) through string formatting and sorting on the way.
using System.Diagnostics;
using System.Runtime.CompilerServices;

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
        var clock = Stopwatch.StartNew();
        long found = 0;
        while (clock.ElapsedMilliseconds < millis)
        {
            found += SpinPrimes(20_000);
            found += FormatAndSort(200);
        }
        return found;
    }

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
