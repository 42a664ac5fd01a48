namespace PerfTestKit.PerfData;

/// <summary>What the recording says about itself: the feature sections (file mode) or in-band features (pipe mode).</summary>
public sealed class PerfSessionInfo
{
    public string? Hostname { get; internal set; }
    public string? OsRelease { get; internal set; }
    public string? PerfVersion { get; internal set; }
    public string? Architecture { get; internal set; }
    public int? CpusOnline { get; internal set; }
    public int? CpusAvailable { get; internal set; }
    public IReadOnlyList<string> CommandLine { get; internal set; } = Array.Empty<string>();

    /// <summary>The clock perf stamped samples with (1 = CLOCK_MONOTONIC with -k mono), when recorded.</summary>
    public int? ClockId { get; internal set; }

    /// <summary>From CLOCK_DATA: the wall clock (ns since the epoch) at <see cref="ReferenceClockTimeNs"/>.</summary>
    public ulong? ReferenceWallClockNs { get; internal set; }
    public ulong? ReferenceClockTimeNs { get; internal set; }

    /// <summary>Feature bits that were present (perf's HEADER_* numbering).</summary>
    public IReadOnlySet<int> Features { get; internal set; } = new HashSet<int>();

    /// <summary>Converts a sample time on the recording clock to wall-clock ns since the epoch, when CLOCK_DATA allows it.</summary>
    public ulong? ToWallClockNs(ulong clockTimeNs) => ReferenceWallClockNs is { } wall && ReferenceClockTimeNs is { } reference
        ? wall + clockTimeNs - reference
        : null;
}

/// <summary>perf's feature bit numbers (HEADER_*), in the order their sections follow the data.</summary>
internal static class PerfFeature
{
    public const int BuildId = 2;
    public const int Hostname = 3;
    public const int OsRelease = 4;
    public const int Version = 5;
    public const int Arch = 6;
    public const int NrCpus = 7;
    public const int CmdLine = 11;
    public const int EventDesc = 12;
    public const int ClockId = 23;
    public const int ClockData = 29;
    public const int Compressed = 27;
}
