// CPU workloads for profiling: each public method spins for the duration given and spends its
// time in one distinct hot method, kept out of line (NoInlining) so a flame graph shows it by name.
// AggressiveOptimization JITs these methods fully optimized once, skipping tiering and on-stack
// replacement: OSR frames otherwise show the looping method twice and drop its caller (the test).
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProfiledApp;

public static class Workloads
{
    /// <summary>Sieves the primes up to 2,000,000 for <paramref name="duration"/>; time goes to
    /// <c>SieveOfEratosthenes</c>. Returns the prime counts summed over all passes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Sieve(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        long checksum = 0;
        do checksum += SieveOfEratosthenes(2_000_000);
        while (clock.Elapsed < duration);
        return checksum;
    }

    /// <summary>Multiplies two 120x120 matrices for <paramref name="duration"/>; time goes to
    /// <c>MultiplyMatrices</c>. Returns the products' traces summed over all passes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long MatrixMultiply(TimeSpan duration)
    {
        const int size = 120;
        var a = new double[size, size];
        var b = new double[size, size];
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                a[i, j] = i + 1;
                b[i, j] = j + 1;
            }
        }
        var clock = Stopwatch.StartNew();
        long checksum = 0;
        do checksum += (long)Trace(MultiplyMatrices(a, b));
        while (clock.Elapsed < duration);
        return checksum;
    }

    /// <summary>Builds a 10,000-line string for <paramref name="duration"/>; time goes to
    /// <c>AppendManyStrings</c>. Returns the string lengths summed over all passes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long BuildStrings(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        long checksum = 0;
        do checksum += AppendManyStrings(10_000);
        while (clock.Elapsed < duration);
        return checksum;
    }

    /// <summary>Serializes 200 records to JSON and parses them back for <paramref name="duration"/>;
    /// time goes to <c>SerializeAndParse</c>. Returns the parsed records' ids summed over all passes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long JsonRoundTrip(TimeSpan duration)
    {
        var readings = new Reading[200];
        for (int i = 0; i < readings.Length; i++) readings[i] = new Reading(i, $"sensor-{i}", i * 0.5);
        var clock = Stopwatch.StartNew();
        long checksum = 0;
        do
        {
            foreach (var reading in SerializeAndParse(readings)) checksum += reading.Id;
        }
        while (clock.Elapsed < duration);
        return checksum;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int SieveOfEratosthenes(int limit)
    {
        var composite = new bool[limit + 1];
        int count = 0;
        for (int n = 2; n <= limit; n++)
        {
            if (composite[n]) continue;
            count++;
            for (long multiple = (long)n * n; multiple <= limit; multiple += n) composite[multiple] = true;
        }
        return count;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double[,] MultiplyMatrices(double[,] a, double[,] b)
    {
        int rows = a.GetLength(0), inner = a.GetLength(1), columns = b.GetLength(1);
        var product = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                double sum = 0;
                for (int k = 0; k < inner; k++) sum += a[i, k] * b[k, j];
                product[i, j] = sum;
            }
        }
        return product;
    }

    private static double Trace(double[,] matrix)
    {
        double trace = 0;
        for (int i = 0; i < matrix.GetLength(0); i++) trace += matrix[i, i];
        return trace;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int AppendManyStrings(int count)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < count; i++) builder.Append("item-").Append(i.ToString("D5")).Append(';');
        return builder.ToString().Length;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Reading[] SerializeAndParse(Reading[] readings)
    {
        string json = JsonSerializer.Serialize(readings, WorkloadJsonContext.Default.ReadingArray);
        return JsonSerializer.Deserialize(json, WorkloadJsonContext.Default.ReadingArray)
            ?? throw new InvalidOperationException("JSON round trip returned null.");
    }
}

internal sealed record Reading(int Id, string Name, double Value);

[JsonSerializable(typeof(Reading[]))]
internal sealed partial class WorkloadJsonContext : JsonSerializerContext;
