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

    /// <summary>Call chain, leaf first, context markers included (see <see cref="CallchainContext"/>). Empty without -g.</summary>
    public ReadOnlySpan<ulong> Callchain { get; init; }

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
        if (format.HasFlag(SampleFormat.Read)) SkipReadValues(ref c, record.Attr.ReadFormat, record.Offset);
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
            Period = period, CpuMode = (ushort)(record.Misc & RecordMisc.CpuModeMask), Callchain = chain,
        };
    }

    private static void SkipReadValues(ref ByteCursor c, ReadFormat readFormat, long offset)
    {
        int perValue = 8 + (readFormat.HasFlag(ReadFormat.Id) ? 8 : 0) + (readFormat.HasFlag(ReadFormat.Lost) ? 8 : 0);
        int times = (readFormat.HasFlag(ReadFormat.TotalTimeEnabled) ? 8 : 0) + (readFormat.HasFlag(ReadFormat.TotalTimeRunning) ? 8 : 0);
        if (!readFormat.HasFlag(ReadFormat.Group))
        {
            c.Skip(perValue + times);
            return;
        }
        ulong nr = c.U64();
        if (nr > (ulong)c.Remaining / (ulong)perValue)
        {
            throw new PerfFormatException(PerfFormatError.BadRecordSize, offset, $"read group of {nr} values does not fit in its sample");
        }
        c.Skip(times + (int)nr * perValue);
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
