using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace PerfTestKit.PerfData;

/// <summary>
/// A SAMPLE record decoded up to its call chain (every sample_type field before it, READ included).
/// <see cref="Callchain"/> points into the reader's buffer: valid until the reader's next call.
/// </summary>
public readonly ref struct SampleRecord
{
    public ulong Ip { get; init; }
    public int Pid { get; init; }
    public int Tid { get; init; }
    public ulong Time { get; init; }
    public ulong Addr { get; init; }
    public ulong Id { get; init; }
    public ulong StreamId { get; init; }
    public int Cpu { get; init; }
    public ulong Period { get; init; }
    public ushort CpuMode { get; init; }

    /// <summary>PERF_SAMPLE_READ counter values (id, value), one per group member; null when the sample has none.</summary>
    public ReadValue[]? ReadValues { get; init; }

    /// <summary>Call chain, leaf first, context markers included (see <see cref="CallchainContext"/>). Empty without -g.</summary>
    public ReadOnlySpan<ulong> Callchain { get; init; }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static SampleRecord Parse(in PerfRecord record)
    {
        var format = record.Attr.SampleFormat;
        var c = record.Cursor();
        ulong ip = 0, time = 0, addr = 0, id = 0, streamId = 0, period = 1;
        int pid = -1, tid = -1, cpu = -1;
        if (format.HasFlag(SampleFormat.Identifier)) id = c.U64();
        if (format.HasFlag(SampleFormat.Ip)) ip = c.U64();
        if (format.HasFlag(SampleFormat.Tid)) { pid = (int)c.U32(); tid = (int)c.U32(); }
        if (format.HasFlag(SampleFormat.Time)) time = c.U64();
        if (format.HasFlag(SampleFormat.Addr)) addr = c.U64();
        if (format.HasFlag(SampleFormat.Id)) id = c.U64();
        if (format.HasFlag(SampleFormat.StreamId)) streamId = c.U64();
        if (format.HasFlag(SampleFormat.Cpu)) { cpu = (int)c.U32(); c.U32(); }
        if (format.HasFlag(SampleFormat.Period)) period = c.U64();
        ReadValue[]? values = null;
        if (format.HasFlag(SampleFormat.Read)) values = ReadCounterValues(ref c, record.Attr.ReadFormat, record.Offset);
        ReadOnlySpan<ulong> chain = default;
        if (format.HasFlag(SampleFormat.Callchain))
        {
            ulong count = c.U64();
            if (count > (ulong)c.Remaining / 8)
            {
                throw new PerfFormatException(PerfFormatError.BadRecordSize, record.Offset,
                    $"call chain of {count} entries does not fit in a {record.Body.Length + 8}-byte sample");
            }
            var bytes = c.Bytes((int)count * 8);
            chain = record.BigEndian ? Swapped(bytes) : MemoryMarshal.Cast<byte, ulong>(bytes);
        }
        return new SampleRecord
        {
            Ip = ip, Pid = pid, Tid = tid, Time = time, Addr = addr, Id = id, StreamId = streamId, Cpu = cpu,
            Period = period, CpuMode = (ushort)(record.Misc & RecordMisc.CpuModeMask), Callchain = chain, ReadValues = values,
        };
    }

    /// <summary>read_format: {value, [enabled], [running], [id], [lost]} or, for a group, {nr, [enabled], [running], {value, [id], [lost]}[nr]}.</summary>
    private static ReadValue[] ReadCounterValues(ref ByteCursor c, ReadFormat readFormat, long offset)
    {
        bool hasId = readFormat.HasFlag(ReadFormat.Id), hasLost = readFormat.HasFlag(ReadFormat.Lost);
        int perValue = 8 + (hasId ? 8 : 0) + (hasLost ? 8 : 0);
        ulong nr = 1;
        if (readFormat.HasFlag(ReadFormat.Group))
        {
            nr = c.U64();
            if (nr > (ulong)c.Remaining / (ulong)perValue)
            {
                throw new PerfFormatException(PerfFormatError.BadRecordSize, offset, $"read group of {nr} values does not fit in its sample");
            }
        }
        else
        {
            ulong single = c.U64();
            SkipTimes(ref c, readFormat);
            ulong singleId = hasId ? c.U64() : 0;
            if (hasLost) c.U64();
            return new[] { new ReadValue(singleId, single) };
        }
        SkipTimes(ref c, readFormat);
        var values = new ReadValue[nr];
        for (ulong i = 0; i < nr; i++)
        {
            ulong value = c.U64();
            ulong id = hasId ? c.U64() : 0;
            if (hasLost) c.U64();
            values[i] = new ReadValue(id, value);
        }
        return values;
    }

    private static void SkipTimes(ref ByteCursor c, ReadFormat readFormat)
    {
        if (readFormat.HasFlag(ReadFormat.TotalTimeEnabled)) c.U64();
        if (readFormat.HasFlag(ReadFormat.TotalTimeRunning)) c.U64();
    }

    private static ulong[] Swapped(ReadOnlySpan<byte> bytes)
    {
        var values = new ulong[bytes.Length / 8];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(i * 8, 8));
        }
        return values;
    }
}

/// <summary>One counter value read with a sample (PERF_SAMPLE_READ): the event id and its running total.</summary>
public readonly record struct ReadValue(ulong Id, ulong Value);
