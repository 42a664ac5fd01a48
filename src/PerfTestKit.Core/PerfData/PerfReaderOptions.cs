namespace PerfTestKit.PerfData;

/// <summary>How a <see cref="PerfDataReader"/> treats the end of its input.</summary>
public sealed record PerfReaderOptions
{
    /// <summary>
    /// Follow a file that perf is still writing: the end of the file means "no more yet", not the end of the
    /// data; a record cut at the end is read again once the rest has been written.
    /// </summary>
    public bool Follow { get; init; }
}
