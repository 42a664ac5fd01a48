using System.Buffers.Binary;
using System.Text;

namespace PerfTestKit.PerfData;

/// <summary>
/// Reads fixed-size fields from a span in the file's byte order, chosen once from the magic.
/// Reading past the end throws <see cref="PerfFormatException"/> with the absolute offset.
/// </summary>
internal ref struct ByteCursor
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _bigEndian;
    private readonly long _baseOffset;
    private int _position;

    public ByteCursor(ReadOnlySpan<byte> data, bool bigEndian, long baseOffset = 0)
    {
        _data = data;
        _bigEndian = bigEndian;
        _baseOffset = baseOffset;
        _position = 0;
    }

    public int Position
    {
        readonly get => _position;
        set => _position = value;
    }

    public readonly int Remaining => _data.Length - _position;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public ulong U64() => _bigEndian
        ? BinaryPrimitives.ReadUInt64BigEndian(Take(8))
        : BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public uint U32() => _bigEndian
        ? BinaryPrimitives.ReadUInt32BigEndian(Take(4))
        : BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ushort U16() => _bigEndian
        ? BinaryPrimitives.ReadUInt16BigEndian(Take(2))
        : BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public byte U8() => Take(1)[0];

    public void Skip(int count) => Take(count);

    public ReadOnlySpan<byte> Bytes(int count) => Take(count);

    /// <summary>A NUL-terminated string inside a fixed-size slot of <paramref name="slotLength"/> bytes.</summary>
    public string FixedString(int slotLength) => DecodeCString(Take(slotLength));

    /// <summary>perf's header string: u32 length (padded slot), then the NUL-terminated text.</summary>
    public string HeaderString()
    {
        uint length = U32();
        if (length > (uint)Remaining)
        {
            throw new PerfFormatException(PerfFormatError.TruncatedHeader, _baseOffset + _position,
                $"string of {length} bytes runs past the end of its section");
        }
        return FixedString((int)length);
    }

    public static string DecodeCString(ReadOnlySpan<byte> slot)
    {
        int end = slot.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? slot : slot[..end]);
    }

    // Inlined into each field read (a call per field was a tenth of building a large file's profile); the throw
    // stays out of line.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_data.Length - _position)) ThrowPastEnd(count);
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private readonly void ThrowPastEnd(int count) => throw new PerfFormatException(PerfFormatError.BadRecordSize, _baseOffset + _position,
        $"needed {count} bytes but only {_data.Length - _position} remain");
}
