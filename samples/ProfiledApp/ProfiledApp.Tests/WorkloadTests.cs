namespace ProfiledApp.Tests;

public class WorkloadTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromMilliseconds(300);

    [Test]
    public void Sieve_finds_primes()
    {
        const long primesUpToTwoMillion = 148_933;
        long checksum = Workloads.Sieve(Duration);
        Assert.That(checksum, Is.Positive);
        Assert.That(checksum % primesUpToTwoMillion, Is.Zero);
    }

    [Test]
    public void Matrix_multiply_produces_a_product()
    {
        // a[i,j] = i + 1 and b[i,j] = j + 1, so trace(a * b) = 120 * (1² + 2² + ... + 120²).
        const long trace = 120L * (120 * 121 * 241 / 6);
        long checksum = Workloads.MatrixMultiply(Duration);
        Assert.That(checksum, Is.Positive);
        Assert.That(checksum % trace, Is.Zero);
    }

    [Test]
    public void String_builder_builds_strings()
    {
        // 10,000 pieces of "item-NNNNN;", 11 characters each.
        const long length = 10_000 * 11;
        long checksum = Workloads.BuildStrings(Duration);
        Assert.That(checksum, Is.Positive);
        Assert.That(checksum % length, Is.Zero);
    }

    [Test]
    public void Json_round_trip_preserves_data()
    {
        // Ids 0..199 come back intact: 0 + 1 + ... + 199.
        const long idSum = 199 * 200 / 2;
        long checksum = Workloads.JsonRoundTrip(Duration);
        Assert.That(checksum, Is.Positive);
        Assert.That(checksum % idSum, Is.Zero);
    }
}
