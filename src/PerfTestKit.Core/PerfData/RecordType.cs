namespace PerfTestKit.PerfData;

/// <summary>perf_event_header.type: kernel records below 64, perf's own (user) records from 64.</summary>
public enum RecordType : uint
{
    Mmap = 1,
    Lost = 2,
    Comm = 3,
    Exit = 4,
    Throttle = 5,
    Unthrottle = 6,
    Fork = 7,
    Read = 8,
    Sample = 9,
    Mmap2 = 10,
    Aux = 11,
    ItraceStart = 12,
    LostSamples = 13,
    Switch = 14,
    SwitchCpuWide = 15,
    Namespaces = 16,
    Ksymbol = 17,
    BpfEvent = 18,
    Cgroup = 19,
    TextPoke = 20,
    AuxOutputHwId = 21,

    HeaderAttr = 64,
    HeaderEventType = 65,
    HeaderTracingData = 66,
    HeaderBuildId = 67,
    FinishedRound = 68,
    IdIndex = 69,
    AuxtraceInfo = 70,
    Auxtrace = 71,
    AuxtraceError = 72,
    ThreadMap = 73,
    CpuMap = 74,
    StatConfig = 75,
    Stat = 76,
    StatRound = 77,
    EventUpdate = 78,
    TimeConv = 79,
    HeaderFeature = 80,
    Compressed = 81,
    FinishedInit = 82,
}

/// <summary>perf_event_header.misc bits the reader uses.</summary>
public static class RecordMisc
{
    public const ushort CpuModeMask = 7;
    public const ushort CpuModeKernel = 1;
    public const ushort CpuModeUser = 2;
    public const ushort CpuModeHypervisor = 3;
    public const ushort CpuModeGuestKernel = 4;
    public const ushort CpuModeGuestUser = 5;
    /// <summary>On COMM: the name changed because of exec.</summary>
    public const ushort CommExec = 1 << 13;
    /// <summary>On MMAP2: a build id stands where maj/min/ino would.</summary>
    public const ushort Mmap2BuildId = 1 << 14;
}
