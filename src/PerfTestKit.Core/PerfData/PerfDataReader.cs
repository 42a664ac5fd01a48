using System.Buffers.Binary;
using System.Numerics;

namespace PerfTestKit.PerfData;

/// <summary>
/// Streams the records of a perf.data file (file mode) or of `perf record -o -` output (pipe mode) in timestamp
/// order, with bounded buffers. Header problems throw <see cref="PerfFormatException"/>; a data section that ends
/// early (perf killed, file truncated) ends the records and leaves a line in <see cref="Warnings"/>.
/// </summary>
public sealed class PerfDataReader : IDisposable
{
    private const ulong MagicLittleEndian = 0x32454C4946524550; // "PERFILE2"
    private const ulong MagicBigEndian = 0x50455246494C4532;
    private const int FileHeaderSize = 104;
    private const int PipeHeaderSize = 16;
    private const int RecordHeaderSize = 8;
    private const int MinimumRead = 64 << 10;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly PerfReaderOptions _options;
    private readonly List<PerfEventAttr> _attrs = new();
    private readonly Dictionary<ulong, int> _attrById = new();
    private readonly RoundSorter _sorter = new();
    private readonly List<string> _warnings = new();

    // The read buffer is a chunk rented from the sorter: records are queued where they were read, not copied.
    private byte[] _buffer;
    private int _bufferChunk;
    private int _bufferStart;
    private int _bufferEnd;
    private long _bufferOffset;      // stream offset of _buffer[0]
    private long _dataEnd;           // stream offset where the data section ends (long.MaxValue: unknown)
    private bool _inputEnded;
    private bool _flushedAtEnd;

    private PerfDataReader(Stream stream, bool leaveOpen, PerfReaderOptions options)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _options = options;
        _bufferChunk = _sorter.RentChunk(RoundSorter.ChunkSize);
        _buffer = _sorter.Chunk(_bufferChunk);
        _dataEnd = long.MaxValue;
        _following = options.Follow;
    }

    public bool IsPipeMode { get; private set; }

    /// <summary>The size of the data section when the file says it (not a pipe, a live file or a killed perf's).</summary>
    public long? DataBytes { get; private set; }
    public bool BigEndian { get; private set; }
    public PerfSessionInfo Info { get; } = new();
    public IReadOnlyList<PerfEventAttr> Attributes => _attrs;

    /// <summary>Things worth telling the user that did not stop the reading (e.g. the file ends early).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    public static PerfDataReader Open(string path, PerfReaderOptions? options = null)
    {
        options ??= new PerfReaderOptions();
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
            bufferSize: 1, FileOptions.SequentialScan);
        try
        {
            return Open(stream, options, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public static PerfDataReader Open(Stream stream, PerfReaderOptions? options = null, bool leaveOpen = false)
    {
        var reader = new PerfDataReader(stream, leaveOpen, options ?? new PerfReaderOptions());
        reader.ReadHeader();
        return reader;
    }

    /// <summary>
    /// The next kernel record in timestamp order. perf's own bookkeeping records are consumed here.
    /// Returns false at the end of the data, or in follow mode when nothing more has been written yet.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(out PerfRecord record)
    {
        do
        {
            if (_sorter.TryDequeue(out var bytes, out ulong time, out long offset, out int attrIndex))
            {
                record = RecordOf(bytes, offset, time, attrIndex);
                return true;
            }
        }
        while (ReadMore());
        record = default;
        return false;
    }

    /// <summary>
    /// Like <see cref="TryRead"/>, but the record's bytes stay valid after the next call, until
    /// <see cref="EndLease"/> with <paramref name="lease"/> (for handing records to another thread).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal bool TryReadLeased(out PerfRecord record, out RecordLease lease)
    {
        do
        {
            if (_sorter.TryDequeueLeased(out int chunk, out int start, out int length, out ulong time, out long offset, out int attrIndex))
            {
                var buffer = _sorter.Chunk(chunk);
                record = RecordOf(buffer.AsSpan(start, length), offset, time, attrIndex);
                lease = new RecordLease(buffer, chunk, start + RecordHeaderSize);
                return true;
            }
        }
        while (ReadMore());
        record = default;
        lease = default;
        return false;
    }

    private PerfRecord RecordOf(ReadOnlySpan<byte> bytes, long offset, ulong time, int attrIndex) =>
        new(RecordTypeOf(bytes), ReadU16(bytes[4..]), bytes[RecordHeaderSize..], offset, time, _attrs[attrIndex], BigEndian);

    /// <summary>Reads on so that the sorter may have records to hand out; false when nothing more can be read now.</summary>
    private bool ReadMore()
    {
        if (TryReadNextRawOrStop()) return true;
        if (!_inputEnded || _flushedAtEnd) return false;
        _sorter.FlushAll();
        _flushedAtEnd = true;
        return true;
    }

    /// <summary>A record read with <see cref="TryReadLeased"/> is done with. Call on the reading thread.</summary>
    internal void EndLease(in RecordLease lease) => _sorter.EndLease(lease.Chunk);

    /// <summary>
    /// A damaged record in the data section ends the data there: what was read before it is still delivered,
    /// and the problem becomes a warning. Only unsupported input (compressed records) throws.
    /// </summary>
    private bool TryReadNextRawOrStop()
    {
        try
        {
            return TryReadNextRaw();
        }
        catch (PerfFormatException e) when (e.Kind != PerfFormatError.Unsupported)
        {
            // While following, bytes past the data may be perf's features being written at exit: wait for Complete().
            if (_following) return false;
            _warnings.Add($"reading stopped at a damaged record: {e.Message}; everything before it was read");
            _inputEnded = true;
            return false;
        }
    }

    /// <summary>
    /// Follow mode: perf has written every record up to <paramref name="time"/> (e.g. after a control-fifo
    /// ping), so records up to then may leave the sorter now. Read everything available first.
    /// </summary>
    public void ReleaseUpTo(ulong time) => _sorter.ReleaseUpTo(time);

    /// <summary>
    /// Follow mode: perf has exited and rewritten the header. Take the final data size (so the feature sections
    /// that now follow the data are not read as records) and the features, and read to the end from here on.
    /// </summary>
    public void Complete()
    {
        if (!_following || IsPipeMode) return;
        Span<byte> header = stackalloc byte[FileHeaderSize];
        ReadExactlyAt(0, header, "file header");
        var c = new ByteCursor(header, BigEndian);
        c.Skip(40);
        ulong dataOffset = c.U64(), dataSize = c.U64();
        c.Skip(16);
        Span<ulong> featureBits = stackalloc ulong[4];
        for (int i = 0; i < 4; i++) featureBits[i] = c.U64();
        if (dataSize > 0)
        {
            _dataEnd = Math.Min(End(dataOffset, dataSize), _stream.Length);
            ReadFeatures(featureBits, _dataEnd, _stream.Length);
        }
        else
        {
            _warnings.Add("perf ended without completing its header (killed?): read the records up to the end of the file");
        }
        // ReadFeatures moved the stream; the buffer still holds the bytes after `resume`.
        _stream.Position = _bufferOffset + _bufferEnd;
        _following = false;
    }

    private bool _following;

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    private void ReadHeader()
    {
        if (!EnsureAvailable(PipeHeaderSize))
        {
            throw new PerfFormatException(PerfFormatError.TruncatedHeader, 0, "the input ends before the 16-byte perf.data magic and header size");
        }
        var head = _buffer.AsSpan(_bufferStart, PipeHeaderSize);
        ulong magic = BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (magic == MagicBigEndian) BigEndian = true;
        else if (magic != MagicLittleEndian)
        {
            throw new PerfFormatException(PerfFormatError.BadMagic, 0, "not a perf.data file: it does not start with PERFILE2");
        }
        ulong headerSize = ReadU64(head[8..]);
        if (headerSize == PipeHeaderSize)
        {
            IsPipeMode = true;
            _bufferStart += PipeHeaderSize;
            _dataEnd = long.MaxValue;
            return;
        }
        if (headerSize != FileHeaderSize)
        {
            throw new PerfFormatException(PerfFormatError.TruncatedHeader, 8, $"unexpected perf.data header size {headerSize}");
        }
        if (!_stream.CanSeek)
        {
            throw new PerfFormatException(PerfFormatError.Unsupported, 0, "a file-mode perf.data needs a seekable stream; use perf record -o - for pipes");
        }
        ReadFileHeader();
    }

    private void ReadFileHeader()
    {
        Span<byte> header = stackalloc byte[FileHeaderSize];
        ReadExactlyAt(0, header, "file header");
        var c = new ByteCursor(header, BigEndian);
        c.Skip(16);
        ulong attrSize = c.U64();
        ulong attrsOffset = c.U64(), attrsSize = c.U64();
        ulong dataOffset = c.U64(), dataSize = c.U64();
        c.Skip(16); // event_types, unused since perf 2.6
        Span<ulong> featureBits = stackalloc ulong[4];
        for (int i = 0; i < 4; i++) featureBits[i] = c.U64();

        long length = _stream.Length;
        if (dataOffset < FileHeaderSize || dataOffset > (ulong)length)
        {
            throw new PerfFormatException(PerfFormatError.TruncatedHeader, 40, $"data section offset {dataOffset} lies outside the {length}-byte file");
        }
        ReadAttrs(attrsOffset, attrsSize, attrSize, length);
        if (dataSize == 0)
        {
            _dataEnd = long.MaxValue;
            if (!_options.Follow)
            {
                if ((ulong)length <= dataOffset)
                {
                    throw new PerfFormatException(PerfFormatError.NoData, 48,
                        "the file holds no data: perf was stopped before it wrote any (stop it with SIGINT, not SIGKILL)");
                }
                _warnings.Add("the header's data size is 0 (perf was killed or is still writing): read the records up to the end of the file; no feature sections (host, command line, event names)");
            }
        }
        else
        {
            _dataEnd = End(dataOffset, dataSize);
            if (_dataEnd > length)
            {
                _warnings.Add($"the file is truncated: its data section should end at byte {_dataEnd} but the file has {length} bytes");
                _dataEnd = length;
            }
            else
            {
                ReadFeatures(featureBits, _dataEnd, length);
            }
        }
        DataBytes = _dataEnd == long.MaxValue ? null : _dataEnd - (long)dataOffset;
        _stream.Position = (long)dataOffset;
        _bufferStart = _bufferEnd = 0;
        _bufferOffset = (long)dataOffset;
    }

    private void ReadAttrs(ulong offset, ulong size, ulong attrSize, long fileLength)
    {
        if (attrSize < (ulong)PerfEventAttr.MinimumSize + 16 || attrSize > 4096 || !FitsIn(offset, size, fileLength) || size % attrSize != 0)
        {
            throw new PerfFormatException(PerfFormatError.BadAttribute, 16, $"attribute table (entry size {attrSize}, {size} bytes at {offset}) is malformed");
        }
        var table = new byte[size];
        ReadExactlyAt((long)offset, table, "attribute table");
        for (ulong at = 0; at < size; at += attrSize)
        {
            var c = new ByteCursor(table.AsSpan((int)at, (int)attrSize), BigEndian, (long)(offset + at));
            int perfAttrSize = (int)attrSize - 16;
            var idSection = table.AsSpan((int)(at + (ulong)perfAttrSize), 16);
            ulong idsOffset = ReadU64(idSection), idsSize = ReadU64(idSection[8..]);
            if (!FitsIn(idsOffset, idsSize, fileLength) || idsSize % 8 != 0 || idsSize > 1 << 24)
            {
                throw new PerfFormatException(PerfFormatError.BadAttribute, (long)(offset + at), "an attribute's id array lies outside the file");
            }
            var idBytes = new byte[idsSize];
            ReadExactlyAt((long)idsOffset, idBytes, "attribute ids");
            var ids = new ulong[idsSize / 8];
            for (int i = 0; i < ids.Length; i++) ids[i] = ReadU64(idBytes.AsSpan(i * 8));
            AddAttr(PerfEventAttr.Parse(ref c, perfAttrSize, ids, (long)(offset + at)));
        }
        if (_attrs.Count == 0)
        {
            throw new PerfFormatException(PerfFormatError.BadAttribute, 16, "the file declares no events");
        }
    }

    private void AddAttr(PerfEventAttr attr)
    {
        int index = _attrs.Count;
        _attrs.Add(attr);
        foreach (ulong id in attr.Ids) _attrById.TryAdd(id, index);
    }

    private void ReadFeatures(ReadOnlySpan<ulong> featureBits, long tableOffset, long fileLength)
    {
        var present = new HashSet<int>();
        for (int bit = 0; bit < 256; bit++)
        {
            if ((featureBits[bit / 64] & (1UL << (bit % 64))) != 0) present.Add(bit);
        }
        Info.Features = present;
        var sections = new byte[present.Count * 16];
        if (tableOffset + sections.Length > fileLength)
        {
            _warnings.Add("the feature section table is missing or cut: no host, command line or event names");
            return;
        }
        ReadExactlyAt(tableOffset, sections, "feature table");
        int index = 0;
        foreach (int feature in present.Order())
        {
            ulong at = ReadU64(sections.AsSpan(index * 16)), size = ReadU64(sections.AsSpan(index * 16 + 8));
            index++;
            if (feature == PerfFeature.Compressed) continue; // the COMPRESSED records themselves say it
            if (!IsUsedFeature(feature)) continue;
            if (!FitsIn(at, size, fileLength) || size > 64 << 20)
            {
                _warnings.Add($"feature section {feature} lies outside the file; ignored");
                continue;
            }
            var data = new byte[size];
            ReadExactlyAt((long)at, data, "feature section");
            TryApplyFeature(feature, data, (long)at);
        }
    }

    private static bool IsUsedFeature(int feature) => feature is PerfFeature.Hostname or PerfFeature.OsRelease
        or PerfFeature.Version or PerfFeature.Arch or PerfFeature.NrCpus or PerfFeature.CmdLine
        or PerfFeature.EventDesc or PerfFeature.ClockData;

    private void TryApplyFeature(int feature, ReadOnlySpan<byte> data, long offset)
    {
        try
        {
            FeatureParser.Apply(feature, data, BigEndian, offset, Info, _attrs);
        }
        catch (PerfFormatException e)
        {
            _warnings.Add($"feature section {feature} is malformed and was ignored: {e.Message}");
        }
    }

    /// <summary>Reads one record from the input and queues it (or handles it, for perf's own records).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool TryReadNextRaw()
    {
        if (_inputEnded) return false;
        while (true)
        {
            long offset = _bufferOffset + _bufferStart;
            if (offset >= _dataEnd)
            {
                _inputEnded = true;
                return false;
            }
            if (!EnsureAvailable(RecordHeaderSize))
            {
                return EndOfInput(offset, "a record header");
            }
            var span = _buffer.AsSpan(_bufferStart, _bufferEnd - _bufferStart);
            uint type = ReadU32(span);
            int size = ReadU16(span[6..]);
            if (size < RecordHeaderSize)
            {
                throw new PerfFormatException(PerfFormatError.BadRecordSize, offset, $"record of type {type} declares size {size}, less than its 8-byte header");
            }
            if (!EnsureAvailable(size))
            {
                return EndOfInput(offset, $"a record of type {type} ({size} bytes)");
            }
            var record = _buffer.AsSpan(_bufferStart, size);
            if (offset + size > _dataEnd)
            {
                _warnings.Add($"a record at byte {offset} runs past the end of the data section; reading stopped there");
                _inputEnded = true;
                return false;
            }
            _bufferStart += size;
            if (type >= (uint)RecordType.HeaderAttr)
            {
                // A finished round may have released records: let the caller read them before anything else.
                if (HandleUserRecord((RecordType)type, record, offset)) return true;
                continue;
            }
            if (_attrs.Count == 0)
            {
                throw new PerfFormatException(PerfFormatError.BadAttribute, offset, "a record arrived before any event attribute");
            }
            int attrIndex = AttrIndexOf((RecordType)type, record);
            ulong time = TimeOf((RecordType)type, record, _attrs[attrIndex], out bool hasTime);
            _sorter.EnqueueInPlace(_bufferChunk, _bufferStart - size, size, hasTime ? time : _lastTime, offset, attrIndex);
            if (hasTime) _lastTime = time;
            return true;
        }
    }

    private ulong _lastTime;

    private bool EndOfInput(long offset, string what)
    {
        if (_following) return false;
        int left = _bufferEnd - _bufferStart;
        if (left > 0 || _dataEnd != long.MaxValue)
        {
            _warnings.Add(left > 0
                ? $"the data ends inside {what} at byte {offset} ({left} bytes left over): the file is truncated; everything before it was read"
                : $"the data ends at byte {offset}, before the end its header declares: the file is truncated");
        }
        _inputEnded = true;
        return false;
    }

    /// <summary>Handles one of perf's own records; true when it released sorted records.</summary>
    private bool HandleUserRecord(RecordType type, ReadOnlySpan<byte> record, long offset)
    {
        var body = record[RecordHeaderSize..];
        switch (type)
        {
            case RecordType.FinishedRound:
                _sorter.FinishRound();
                return true;
            case RecordType.HeaderAttr:
                ReadPipeAttr(body, offset);
                break;
            case RecordType.HeaderFeature:
                if (body.Length >= 8) TryApplyFeature((int)ReadU64(body), body[8..], offset + 16);
                break;
            case RecordType.EventUpdate:
                ReadEventUpdate(body);
                break;
            case RecordType.Auxtrace:
                SkipPayload(body.Length >= 8 ? ReadU64(body) : 0, offset);
                break;
            case RecordType.HeaderTracingData:
                ulong tracing = body.Length >= 4 ? ReadU32(body) : 0;
                SkipPayload((tracing + 7) & ~7UL, offset);
                break;
            case RecordType.Compressed:
                throw new PerfFormatException(PerfFormatError.Unsupported, offset,
                    "the recording is compressed (perf record -z), which PerfTestKit does not read; record without -z or run perf inject first");
        }
        return false;
    }

    private void ReadPipeAttr(ReadOnlySpan<byte> body, long offset)
    {
        if (body.Length < PerfEventAttr.MinimumSize)
        {
            throw new PerfFormatException(PerfFormatError.BadAttribute, offset, "HEADER_ATTR record too small for an attribute");
        }
        int attrSize = (int)ReadU32(body[4..]);
        if (attrSize < PerfEventAttr.MinimumSize || attrSize > body.Length)
        {
            throw new PerfFormatException(PerfFormatError.BadAttribute, offset, $"HEADER_ATTR declares an attribute of {attrSize} bytes");
        }
        var ids = new ulong[(body.Length - attrSize) / 8];
        for (int i = 0; i < ids.Length; i++) ids[i] = ReadU64(body[(attrSize + i * 8)..]);
        var c = new ByteCursor(body, BigEndian, offset + 8);
        AddAttr(PerfEventAttr.Parse(ref c, attrSize, ids, offset));
    }

    private void ReadEventUpdate(ReadOnlySpan<byte> body)
    {
        const ulong NameUpdate = 2;
        if (body.Length < 16 || ReadU64(body) != NameUpdate) return;
        ulong id = ReadU64(body[8..]);
        if (_attrById.TryGetValue(id, out int index))
        {
            string name = ByteCursor.DecodeCString(body[16..]);
            if (name.Length > 0) _attrs[index].Name = name;
        }
    }

    /// <summary>Skips bytes that follow a record outside its declared size (AUXTRACE, TRACING_DATA).</summary>
    private void SkipPayload(ulong length, long offset)
    {
        while (length > 0)
        {
            if (!EnsureAvailable(1))
            {
                _warnings.Add($"the payload of the record at byte {offset} is cut short");
                _inputEnded = true;
                return;
            }
            int step = (int)Math.Min(length, (ulong)(_bufferEnd - _bufferStart));
            _bufferStart += step;
            length -= (ulong)step;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int AttrIndexOf(RecordType type, ReadOnlySpan<byte> record)
    {
        if (_attrs.Count == 1) return 0;
        var first = _attrs[0];
        int idAt;
        if (type == RecordType.Sample)
        {
            idAt = first.SampleIdOffset < 0 ? -1 : RecordHeaderSize + first.SampleIdOffset;
        }
        else
        {
            idAt = first.TrailerIdOffsetFromEnd < 0 ? -1 : record.Length - first.TrailerIdOffsetFromEnd;
        }
        if (idAt < RecordHeaderSize || idAt + 8 > record.Length) return 0;
        return _attrById.TryGetValue(ReadU64(record[idAt..]), out int index) ? index : 0;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private ulong TimeOf(RecordType type, ReadOnlySpan<byte> record, PerfEventAttr attr, out bool hasTime)
    {
        var format = attr.SampleFormat;
        hasTime = format.HasFlag(SampleFormat.Time);
        if (!hasTime) return 0;
        int at;
        if (type == RecordType.Sample)
        {
            at = RecordHeaderSize + 8 * BitOperations.PopCount((ulong)(format & (SampleFormat.Identifier | SampleFormat.Ip | SampleFormat.Tid)));
        }
        else
        {
            if (!attr.SampleIdAll)
            {
                hasTime = false;
                return 0;
            }
            int after = BitOperations.PopCount((ulong)(format & (SampleFormat.Id | SampleFormat.StreamId | SampleFormat.Cpu | SampleFormat.Identifier)));
            at = record.Length - 8 * (after + 1);
        }
        if (at < RecordHeaderSize || at + 8 > record.Length)
        {
            hasTime = false;
            return 0;
        }
        return ReadU64(record[at..]);
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available in the buffer; false at the end of input.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool EnsureAvailable(int count)
    {
        while (_bufferEnd - _bufferStart < count)
        {
            int unread = _bufferEnd - _bufferStart;
            int room = _buffer.Length - _bufferEnd;
            if (room < count - unread || room < MinimumRead)
            {
                if (!_sorter.HasLiveRecords(_bufferChunk) && count <= _buffer.Length)
                {
                    Buffer.BlockCopy(_buffer, _bufferStart, _buffer, 0, unread);
                }
                else
                {
                    // Records queued from this chunk must stay where they are: read on in another.
                    int next = _sorter.RentChunk(Math.Max(count, RoundSorter.ChunkSize));
                    var nextBuffer = _sorter.Chunk(next);
                    _buffer.AsSpan(_bufferStart, unread).CopyTo(nextBuffer);
                    _sorter.ReturnChunk(_bufferChunk);
                    _bufferChunk = next;
                    _buffer = nextBuffer;
                }
                _bufferOffset += _bufferStart;
                _bufferStart = 0;
                _bufferEnd = unread;
            }
            int want = _buffer.Length - _bufferEnd;
            if (_dataEnd != long.MaxValue)
            {
                want = (int)Math.Min(want, Math.Max(0, _dataEnd - (_bufferOffset + _bufferEnd)));
                if (want == 0) return false;
            }
            int read = _stream.Read(_buffer, _bufferEnd, want);
            if (read <= 0) return false;
            _bufferEnd += read;
        }
        return true;
    }

    private void ReadExactlyAt(long offset, Span<byte> destination, string what)
    {
        _stream.Position = offset;
        int total = 0;
        while (total < destination.Length)
        {
            int read = _stream.Read(destination[total..]);
            if (read <= 0)
            {
                throw new PerfFormatException(PerfFormatError.TruncatedHeader, offset + total, $"the file ends inside its {what}");
            }
            total += read;
        }
    }

    /// <summary>offset + size, saturated at long.MaxValue (both come from the file and may be anything).</summary>
    private static long End(ulong offset, ulong size) =>
        offset > long.MaxValue || size > (ulong)long.MaxValue - offset ? long.MaxValue : (long)(offset + size);

    /// <summary>Whether [offset, offset + size) lies inside a file of <paramref name="length"/> bytes, without overflow.</summary>
    private static bool FitsIn(ulong offset, ulong size, long length) => offset <= (ulong)length && size <= (ulong)length - offset;

    private RecordType RecordTypeOf(ReadOnlySpan<byte> record) => (RecordType)ReadU32(record);
    private ulong ReadU64(ReadOnlySpan<byte> s) => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
    private uint ReadU32(ReadOnlySpan<byte> s) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    private ushort ReadU16(ReadOnlySpan<byte> s) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
}
