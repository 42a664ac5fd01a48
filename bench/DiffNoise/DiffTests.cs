using System.Runtime.CompilerServices;

// Fixed work per test, not a time: a busy machine gives a test less CPU per second, never less work to do.
// DIFF_SCALE multiplies Tokenizes' work, to make one test slower between two runs. Used as it is by
// bench/diff-noise and by the end-to-end diff tests (tests/PerfTestKit.Collector.Tests/DiffTests.cs).
public class DiffTests
{
    private static int Scale => int.TryParse(System.Environment.GetEnvironmentVariable("DIFF_SCALE"), out int s) ? s : 1;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Parse(int units) { long x = 0; for (long i = 0; i < units * 250_000L; i++) x += i * 3 ^ x; return x; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Format(int units) { long x = 1; for (long i = 0; i < units * 250_000L; i++) x = x * 31 + i; return x; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Tokenize(int units) { long x = 7; for (long i = 0; i < units * 250_000L; i++) x ^= x << 1 + (int)(i & 7); return x; }

    [NUnit.Framework.Test] public void Parses() => NUnit.Framework.Assert.That(Parse(200), NUnit.Framework.Is.Not.EqualTo(42));
    [NUnit.Framework.Test] public void Formats() => NUnit.Framework.Assert.That(Format(200), NUnit.Framework.Is.Not.EqualTo(42));
    [NUnit.Framework.Test] public void Tokenizes() => NUnit.Framework.Assert.That(Tokenize(150 * Scale), NUnit.Framework.Is.Not.EqualTo(42));
    [NUnit.Framework.TestCase(1)] [NUnit.Framework.TestCase(2)] [NUnit.Framework.TestCase(3)]
    public void Parses_case(int n) => NUnit.Framework.Assert.That(Parse(100 + 20 * n), NUnit.Framework.Is.Not.EqualTo(42));
    [NUnit.Framework.Test] public void Formats_more() => NUnit.Framework.Assert.That(Format(250), NUnit.Framework.Is.Not.EqualTo(42));
}
