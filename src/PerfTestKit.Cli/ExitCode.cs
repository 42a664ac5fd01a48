namespace PerfTestKit.Cli;

/// <summary>What the perftestkit command returns.</summary>
public enum ExitCode
{
    Success = 0,
    /// <summary>The command line was wrong (System.CommandLine reports its own parse errors with 1 too).</summary>
    UsageError = 1,
    /// <summary>The input file is missing or unreadable.</summary>
    InputNotFound = 2,
    /// <summary>The input is not a perf.data file, or is damaged beyond reading.</summary>
    BadInput = 3,
    /// <summary>perf is missing or may not record.</summary>
    PerfUnavailable = 4,
    /// <summary>perf or the recorded command failed.</summary>
    RecordFailed = 5,
}
