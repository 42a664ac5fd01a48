namespace PerfTestKit.PerfData;

/// <summary>perf_event_attr.sample_type: which fields a SAMPLE record carries, in this bit order.</summary>
[Flags]
public enum SampleFormat : ulong
{
    None = 0,
    Ip = 1UL << 0,
    Tid = 1UL << 1,
    Time = 1UL << 2,
    Addr = 1UL << 3,
    Read = 1UL << 4,
    Callchain = 1UL << 5,
    Id = 1UL << 6,
    Cpu = 1UL << 7,
    Period = 1UL << 8,
    StreamId = 1UL << 9,
    Raw = 1UL << 10,
    BranchStack = 1UL << 11,
    RegsUser = 1UL << 12,
    StackUser = 1UL << 13,
    Weight = 1UL << 14,
    DataSrc = 1UL << 15,
    Identifier = 1UL << 16,
    Transaction = 1UL << 17,
    RegsIntr = 1UL << 18,
    PhysAddr = 1UL << 19,
}

/// <summary>perf_event_attr.read_format: the layout of a READ value inside a sample.</summary>
[Flags]
public enum ReadFormat : ulong
{
    None = 0,
    TotalTimeEnabled = 1,
    TotalTimeRunning = 2,
    Id = 4,
    Group = 8,
    Lost = 16,
}

/// <summary>Call-chain entries at or above this value are context markers, not addresses.</summary>
public static class CallchainContext
{
    public const ulong Max = unchecked((ulong)-4095);
    public const ulong Hypervisor = unchecked((ulong)-32);
    public const ulong Kernel = unchecked((ulong)-128);
    public const ulong User = unchecked((ulong)-512);
    public const ulong Guest = unchecked((ulong)-2048);
    public const ulong GuestKernel = unchecked((ulong)-2176);
    public const ulong GuestUser = unchecked((ulong)-2560);
}
