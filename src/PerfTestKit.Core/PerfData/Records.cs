namespace PerfTestKit.PerfData;

/// <summary>MMAP or MMAP2: a file or anonymous region mapped executable into a process.</summary>
public readonly record struct MmapRecord(int Pid, int Tid, ulong Start, ulong Length, ulong PageOffset, string FileName,
    ushort CpuMode)
{
    public ulong End => Start + Length;

    public static MmapRecord Parse(in PerfRecord record)
    {
        var c = new ByteCursor(record.BodyWithoutTrailer(), record.BigEndian, record.Offset + 8);
        int pid = (int)c.U32();
        int tid = (int)c.U32();
        ulong start = c.U64();
        ulong length = c.U64();
        ulong pgoff = c.U64();
        if (record.Type == RecordType.Mmap2)
        {
            c.Skip(24); // maj, min, ino, ino_generation, or a build id
            c.Skip(8);  // prot, flags
        }
        string name = c.FixedString(c.Remaining);
        return new MmapRecord(pid, tid, start, length, pgoff, name, (ushort)(record.Misc & RecordMisc.CpuModeMask));
    }
}

/// <summary>COMM: a thread's name, set by prctl or by exec.</summary>
public readonly record struct CommRecord(int Pid, int Tid, string Name, bool IsExec)
{
    public static CommRecord Parse(in PerfRecord record)
    {
        var c = new ByteCursor(record.BodyWithoutTrailer(), record.BigEndian, record.Offset + 8);
        int pid = (int)c.U32();
        int tid = (int)c.U32();
        return new CommRecord(pid, tid, c.FixedString(c.Remaining), (record.Misc & RecordMisc.CommExec) != 0);
    }
}

/// <summary>FORK or EXIT: a thread or process begins or ends.</summary>
public readonly record struct TaskRecord(int Pid, int ParentPid, int Tid, int ParentTid, ulong Time)
{
    public static TaskRecord Parse(in PerfRecord record)
    {
        var c = record.Cursor();
        return new TaskRecord((int)c.U32(), (int)c.U32(), (int)c.U32(), (int)c.U32(), c.U64());
    }
}

/// <summary>LOST (events dropped from a full ring buffer) or LOST_SAMPLES.</summary>
public readonly record struct LostRecord(ulong Id, ulong Lost)
{
    public static LostRecord Parse(in PerfRecord record)
    {
        var c = record.Cursor();
        return record.Type == RecordType.LostSamples ? new LostRecord(0, c.U64()) : new LostRecord(c.U64(), c.U64());
    }
}
