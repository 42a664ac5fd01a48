namespace PerfTestKit.PerfData;

/// <summary>What is wrong with a perf.data file; callers switch on this, never on message text.</summary>
public enum PerfFormatError
{
    /// <summary>The file does not start with PERFILE2 in either byte order.</summary>
    BadMagic,
    /// <summary>The file ends inside its header, attribute table or feature section table.</summary>
    TruncatedHeader,
    /// <summary>A record's size field is smaller than its own header or larger than the reader allows.</summary>
    BadRecordSize,
    /// <summary>An attribute entry is malformed (size, or an id that points nowhere).</summary>
    BadAttribute,
    /// <summary>The file holds no data section: perf was killed before it wrote its header (data size 0, no features).</summary>
    NoData,
    /// <summary>The file uses something this reader does not support (e.g. compressed records).</summary>
    Unsupported,
}

/// <summary>A perf.data file that cannot be read, with what is wrong and where.</summary>
public sealed class PerfFormatException : Exception
{
    public PerfFormatException(PerfFormatError kind, long offset, string message)
        : base($"{message} (at byte offset {offset})")
    {
        Kind = kind;
        Offset = offset;
    }

    public PerfFormatError Kind { get; }

    /// <summary>Byte offset in the file or stream where the problem was found.</summary>
    public long Offset { get; }
}
