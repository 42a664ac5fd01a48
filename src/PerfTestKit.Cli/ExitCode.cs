namespace PerfTestKit.Cli;

/// <summary>
/// What the perftestkit command returns (README, "The perftestkit tool"). `record` returns the recorded command's own
/// exit code once perf recorded it, like `time` does; these codes are for what went wrong before that.
/// </summary>
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
    /// <summary>perf did not record (it failed, or the command could not be started).</summary>
    RecordFailed = 5,
    /// <summary>The report could not be written where -o says.</summary>
    OutputNotWritable = 6,
    /// <summary>The recording has samples, but none that the selection (--pid, --event, --from/--to) keeps; `diff`: the runs share no test.</summary>
    EmptySelection = 7,
    /// <summary>`diff --fail-on-regression`: a test got slower beyond noise by more than the given percentage.</summary>
    RegressionFound = 8,
}
