namespace PerfTestKit.PerfData;

/// <summary>
/// One record as it stands in the data section: its header fields, its body (the bytes after the
/// 8-byte header) and the attribute it belongs to. The body is only valid until the reader's next call.
/// </summary>
public readonly ref struct PerfRecord
{
    public PerfRecord(RecordType type, ushort misc, ReadOnlySpan<byte> body, long offset, ulong time,
        PerfEventAttr attr, bool bigEndian)
    {
        Type = type;
        Misc = misc;
        Body = body;
        Offset = offset;
        Time = time;
        Attr = attr;
        BigEndian = bigEndian;
    }

    public RecordType Type { get; }
    public ushort Misc { get; }
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>Where the record starts in the file or stream.</summary>
    public long Offset { get; }

    /// <summary>The record's timestamp (sample time or sample_id_all trailer), 0 when it has none.</summary>
    public ulong Time { get; }

    public PerfEventAttr Attr { get; }
    public bool BigEndian { get; }

    internal ByteCursor Cursor() => new(Body, BigEndian, Offset + 8);

    /// <summary>Body without the sample_id_all trailer, for records whose last field is a string.</summary>
    internal ReadOnlySpan<byte> BodyWithoutTrailer()
    {
        int trailer = Attr.TrailerSize;
        return trailer <= Body.Length ? Body[..^trailer] : Body;
    }
}

/// <summary>Where a leased record's body lies: <see cref="Buffer"/> from <see cref="BodyStart"/>, in the sorter's chunk <see cref="Chunk"/>.</summary>
internal readonly record struct RecordLease(byte[] Buffer, int Chunk, int BodyStart);
