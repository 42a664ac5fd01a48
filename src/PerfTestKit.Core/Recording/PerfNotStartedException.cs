namespace PerfTestKit.Recording;

/// <summary>perf could not be started, or did not begin recording in time: profiling is off, the tests go on.</summary>
public sealed class PerfNotStartedException : InvalidOperationException
{
    public PerfNotStartedException(string message) : base(message)
    {
    }
}
