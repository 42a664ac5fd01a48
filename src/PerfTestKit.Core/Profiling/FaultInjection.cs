namespace PerfTestKit.Profiling;

/// <summary>
/// A test hook: with PERFTESTKIT_FAULT=&lt;point&gt; in the environment, <see cref="At"/> throws at that point, so
/// that the end-to-end tests can show that every front end's boundary holds (the run passes, one warning) for an
/// exception of a type nothing in PerfTestKit expects. Unset, it costs one comparison. Depends on nothing else in
/// Core: the VSTest in-process collector compiles it in.
/// </summary>
public static class FaultInjection
{
    public const string Variable = "PERFTESTKIT_FAULT";

    /// <summary>In the test host, as a test ends (VSTest's in-process collector, the MTP data consumer).</summary>
    public const string HostTestEnd = "host-test-end";

    /// <summary>In VSTest's collector process, in its TestCaseEnd handler (AttachToResults).</summary>
    public const string CollectorTestEnd = "collector-test-end";

    private static readonly string? Point = Environment.GetEnvironmentVariable(Variable);

    public static void At(string point)
    {
        if (Point is not null && string.Equals(Point, point, StringComparison.Ordinal)) throw new InjectedFaultException(point);
    }
}

/// <summary>What <see cref="FaultInjection.At"/> throws: a type no handler of ours names.</summary>
public sealed class InjectedFaultException(string point) : Exception($"fault injected at {point} ({FaultInjection.Variable})");
