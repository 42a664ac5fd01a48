namespace PerfTestKit.Profiling;

/// <summary>One test as the front end saw it: identity, outcome and its window on CLOCK_MONOTONIC (ns).</summary>
public sealed record TestCaseWindow(string Id, string Name, string FullName, string Outcome, ulong StartNs, ulong EndNs)
{
    public double DurationMs => (EndNs - StartNs) / 1e6;
}

/// <summary>The files written for one test, and what the index says of it.</summary>
public sealed record TestArtifacts(IReadOnlyList<string> Files, int Samples);

/// <summary>The files written for the whole run.</summary>
public sealed record RunArtifacts(IReadOnlyList<string> Files, string? IndexPath);
