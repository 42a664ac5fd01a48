using System.Runtime.CompilerServices;

namespace ManyTests;

/// <summary>
/// CPU-bound workloads of the 1-20 ms tests: each repeats a small piece of real computation (tens of microseconds)
/// until its thread has used the CPU time asked for, and returns a result that depends on every repetition.
/// </summary>
public static class MediumWork
{
    private static readonly byte[] Block = MakeBlock(4096, 7);
    private static readonly int[] Unsorted = MakeInts(200, 11);
    private const string Left = "the quick brown fox jumps over the lazy dog";
    private const string Right = "a quick brown dog jumps over the lazy foxes";

    private static byte[] MakeBlock(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static int[] MakeInts(int count, int seed)
    {
        var random = new Random(seed);
        var values = new int[count];
        for (var i = 0; i < count; i++) values[i] = random.Next(100000);
        return values;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Checksum(int cpuMs)
    {
        var block = Block;
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long total = 0;
        do
        {
            uint a = 1, b = 0;
            foreach (var x in block)
            {
                a = (a + x) % 65521;
                b = (b + a) % 65521;
            }
            total += (b << 16) | a;
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Sieve(int cpuMs)
    {
        var composite = new bool[20000];
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long primes = 0;
        do
        {
            Array.Clear(composite);
            for (var i = 2; i < composite.Length; i++)
            {
                if (composite[i]) continue;
                primes++;
                for (var j = i * 2; j < composite.Length; j += i) composite[j] = true;
            }
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return primes;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Collatz(int cpuMs)
    {
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long longest = 0, start = 1;
        do
        {
            for (var k = 0; k < 200; k++, start++)
            {
                long n = start, steps = 0;
                while (n != 1)
                {
                    n = (n & 1) == 0 ? n >> 1 : 3 * n + 1;
                    steps++;
                }
                longest = Math.Max(longest, steps);
            }
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return longest;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long MatrixProduct(int cpuMs)
    {
        const int N = 16;
        var a = new double[N * N];
        var b = new double[N * N];
        var c = new double[N * N];
        for (var i = 0; i < a.Length; i++) { a[i] = i % 7 - 3; b[i] = i % 5 - 2; }
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        double trace = 0;
        do
        {
            for (var i = 0; i < N; i++)
                for (var j = 0; j < N; j++)
                {
                    double sum = 0;
                    for (var k = 0; k < N; k++) sum += a[i * N + k] * b[k * N + j];
                    c[i * N + j] = sum;
                }
            for (var i = 0; i < N; i++) trace += c[i * N + i];
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return (long)trace;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long EditDistance(int cpuMs)
    {
        var previous = new int[Right.Length + 1];
        var current = new int[Right.Length + 1];
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long total = 0;
        do
        {
            for (var j = 0; j <= Right.Length; j++) previous[j] = j;
            for (var i = 1; i <= Left.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= Right.Length; j++)
                {
                    int cost = Left[i - 1] == Right[j - 1] ? 0 : 1;
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                }
                (previous, current) = (current, previous);
            }
            total += previous[Right.Length];
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long InsertionSort(int cpuMs)
    {
        var values = new int[Unsorted.Length];
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long total = 0;
        do
        {
            Unsorted.CopyTo(values, 0);
            for (var i = 1; i < values.Length; i++)
            {
                int v = values[i], j = i - 1;
                while (j >= 0 && values[j] > v) { values[j + 1] = values[j]; j--; }
                values[j + 1] = v;
            }
            total += values[values.Length / 2];
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return total;
    }
}
