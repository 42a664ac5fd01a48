namespace PerfTestKit.Profiling;

/// <summary>One test as the front end saw it: identity, outcome and its window on CLOCK_MONOTONIC (ns).</summary>
public sealed record TestCaseWindow(string Id, string Name, string FullName, string Outcome, ulong StartNs, ulong EndNs)
{
    /// <summary>The outcome of a test that started and has not ended.</summary>
    public const string Running = "Running";

    /// <summary>
    /// The type that declares the test's method, where it is not the type the test's name gives (a test inherited
    /// from a base class): frames name the declaring type. Set by the host side, which can look it up.
    /// </summary>
    public string? DeclaringType { get; init; }

    public double DurationMs => (EndNs - StartNs) / 1e6;
}

/// <summary>The files written for one test, and what the index says of it.</summary>
public sealed record TestArtifacts(IReadOnlyList<string> Files, int Samples);

/// <summary>The files written for the whole run.</summary>
public sealed record RunArtifacts(IReadOnlyList<string> Files, string? IndexPath);
