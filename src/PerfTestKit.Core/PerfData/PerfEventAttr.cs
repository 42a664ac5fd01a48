using System.Numerics;

namespace PerfTestKit.PerfData;

/// <summary>
/// One perf_event_attr as recorded, with the layout facts derived from it once
/// (where the id and time sit in samples and in the sample_id_all trailer).
/// </summary>
public sealed class PerfEventAttr
{
    /// <summary>perf_event_attr is at least this large (PERF_ATTR_SIZE_VER0 is 64).</summary>
    internal const int MinimumSize = 64;

    private const ulong FlagFreq = 1UL << 10;
    private const ulong FlagSampleIdAll = 1UL << 18;
    private const ulong FlagUseClockId = 1UL << 25;

    public required uint Type { get; init; }
    public required ulong Config { get; init; }
    public required ulong SamplePeriodOrFrequency { get; init; }
    public required SampleFormat SampleFormat { get; init; }
    public required ReadFormat ReadFormat { get; init; }
    public required ulong Flags { get; init; }
    public int ClockId { get; init; }
    public IReadOnlyList<ulong> Ids { get; init; } = Array.Empty<ulong>();

    /// <summary>The event's name from EVENT_DESC or EVENT_UPDATE, else derived from type and config.</summary>
    public string Name { get; set; } = "";

    public bool IsFrequency => (Flags & FlagFreq) != 0;

    /// <summary>exclude_kernel: user space only (what perf falls back to when perf_event_paranoid forbids the kernel).</summary>
    public bool ExcludesKernel => (Flags & (1UL << 5)) != 0;
    public bool SampleIdAll => (Flags & FlagSampleIdAll) != 0;
    public bool UsesClockId => (Flags & FlagUseClockId) != 0;

    /// <summary>Byte offset of the event id inside a SAMPLE record body, or -1 when samples carry none.</summary>
    public int SampleIdOffset => SampleFormat.HasFlag(SampleFormat.Identifier)
        ? 0
        : SampleFormat.HasFlag(SampleFormat.Id)
            ? 8 * BitOperations.PopCount((ulong)(SampleFormat & (SampleFormat.Ip | SampleFormat.Tid | SampleFormat.Time | SampleFormat.Addr)))
            : -1;

    /// <summary>Bytes from the end of a non-sample record back to the id in its trailer, or -1.</summary>
    public int TrailerIdOffsetFromEnd => !SampleIdAll
        ? -1
        : SampleFormat.HasFlag(SampleFormat.Identifier)
            ? 8
            : SampleFormat.HasFlag(SampleFormat.Id)
                ? 8 * (1 + BitOperations.PopCount((ulong)(SampleFormat & (SampleFormat.StreamId | SampleFormat.Cpu))))
                : -1;

    /// <summary>Total size of the sample_id_all trailer on non-sample records.</summary>
    public int TrailerSize => !SampleIdAll
        ? 0
        : 8 * BitOperations.PopCount((ulong)(SampleFormat & (SampleFormat.Tid | SampleFormat.Time | SampleFormat.Id
            | SampleFormat.StreamId | SampleFormat.Cpu | SampleFormat.Identifier)));

    internal static PerfEventAttr Parse(ref ByteCursor cursor, int attrSize, IReadOnlyList<ulong> ids, long offset)
    {
        if (attrSize < MinimumSize || attrSize > cursor.Remaining)
        {
            throw new PerfFormatException(PerfFormatError.BadAttribute, offset,
                $"perf_event_attr of {attrSize} bytes does not fit (minimum {MinimumSize}, {cursor.Remaining} available)");
        }
        int start = cursor.Position;
        uint type = cursor.U32();
        cursor.U32(); // size as the kernel saw it; the file's attr size is what we step by
        ulong config = cursor.U64();
        ulong period = cursor.U64();
        ulong sampleType = cursor.U64();
        ulong readFormat = cursor.U64();
        ulong flags = cursor.U64();
        int clockId = 0;
        if (attrSize >= 96)
        {
            cursor.Position = start + 92;
            clockId = (int)cursor.U32();
        }
        cursor.Position = start + attrSize;
        var attr = new PerfEventAttr
        {
            Type = type,
            Config = config,
            SamplePeriodOrFrequency = period,
            SampleFormat = (SampleFormat)sampleType,
            ReadFormat = (ReadFormat)readFormat,
            Flags = flags,
            ClockId = clockId,
            Ids = ids,
        };
        attr.Name = DefaultName(type, config);
        return attr;
    }

    /// <summary>perf's names for the common generic events, used when the file names none.</summary>
    internal static string DefaultName(uint type, ulong config) => (type, config) switch
    {
        (0, 0) => "cycles",
        (0, 1) => "instructions",
        (0, 2) => "cache-references",
        (0, 3) => "cache-misses",
        (0, 4) => "branches",
        (0, 5) => "branch-misses",
        (1, 0) => "cpu-clock",
        (1, 1) => "task-clock",
        (1, 2) => "page-faults",
        (1, 3) => "context-switches",
        (1, 4) => "cpu-migrations",
        _ => $"event(type={type},config={config:x})",
    };
}
