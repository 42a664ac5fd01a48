using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PerfTestKit.Symbols;

/// <summary>
/// Names of JIT-compiled and ReadyToRun code of one .NET process, from the runtime's perf map
/// (/tmp/perf-PID.map) and jitdump (jit-PID.dump), looked up by absolute address. That works whether or not
/// the runtime double-maps its code (W^X), because the address is what the call chain holds.
/// Both files only grow while the process runs: <see cref="Refresh"/> reads just what was appended.
/// </summary>
public sealed class ManagedSymbols
{
    private readonly List<(string Path, bool IsJitDump)> _files = new();
    private readonly Dictionary<string, long> _consumed = new(StringComparer.Ordinal);
    // While the process runs, what a refresh reads goes to a small table of its own, merged into the main one only
    // once it holds an eighth as many symbols: rebuilding the whole table (tens of thousands of stubs and methods)
    // at every refresh allocated megabytes a time, and the collections that followed paused tests' ends.
    private const int MergeAtLeast = 4096;
    private SymbolTable.Builder _main = new();
    private SymbolTable.Builder _recent = new();
    private SymbolTable _mainTable = SymbolTable.Empty;
    private SymbolTable _recentTable = SymbolTable.Empty;
    private int _recentBuiltCount;

    private ManagedSymbols(int pid, IEnumerable<string> directories)
    {
        foreach (var directory in directories.Distinct())
        {
            _files.Add((Path.Combine(directory, $"perf-{pid}.map"), false));
            _files.Add((Path.Combine(directory, $"jit-{pid}.dump"), true));
        }
    }

    /// <summary>Loads what exists of perf-PID.map and jit-PID.dump in the given directories.</summary>
    public static ManagedSymbols Load(int pid, IEnumerable<string> directories)
    {
        var symbols = new ManagedSymbols(pid, directories);
        symbols.Refresh();
        return symbols;
    }

    /// <summary>True when a perf map or jitdump was found for the process.</summary>
    public bool Exists => _consumed.Count > 0;

    /// <summary>The name of the code at <paramref name="address"/>, as the runtime wrote it; null when unknown.</summary>
    public string? Lookup(ulong address)
    {
        if (_recent.Count != _recentBuiltCount)
        {
            if (_recent.Count >= Math.Max(MergeAtLeast, _mainTable.Count / 8)) MergeRecent();
            else _recentTable = _recent.Build();
            _recentBuiltCount = _recent.Count;
        }
        // The symbol with the nearest start wins, as in one merged table. Two at the same start (rare) are settled
        // by the merged table's rule, so merge then.
        bool inMain = _mainTable.TryLookup(address, out ulong mainStart, out string mainName);
        bool inRecent = _recentTable.TryLookup(address, out ulong recentStart, out string recentName);
        if (inMain && inRecent && recentStart == mainStart)
        {
            MergeRecent();
            _recentBuiltCount = 0;
            return _mainTable.Lookup(address);
        }
        if (inRecent && (!inMain || recentStart > mainStart)) return recentName;
        return inMain ? mainName : null;
    }

    private void MergeRecent()
    {
        // Nothing in the main table yet (the first lookup of a file read whole): the recent symbols become it.
        if (_main.Count == 0) (_main, _recent) = (_recent, _main);
        else
        {
            _main.AddAll(_recent);
            _recent = new SymbolTable.Builder();
        }
        _mainTable = _main.Build();
        _recentTable = SymbolTable.Empty;
    }

    /// <summary>Reads what the runtime appended since the last call; true when something new was read.</summary>
    public bool Refresh()
    {
        bool grew = false;
        foreach (var (path, isJitDump) in _files)
        {
            try
            {
                if (!File.Exists(path)) continue;
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
                long from = _consumed.GetValueOrDefault(path);
                if (stream.Length <= from && _consumed.ContainsKey(path)) continue;
                long consumed = isJitDump ? ReadJitDump(stream, from, _recent) : ReadPerfMap(stream, from, _recent);
                grew |= consumed != from || !_consumed.ContainsKey(path);
                _consumed[path] = consumed;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A map we cannot read names nothing; the frames stay [unknown].
            }
        }
        return grew;
    }

    /// <summary>Lines "START SIZE name" in hex; the name may hold spaces, so split on the first two only.
    /// Returns the offset after the last complete line.</summary>
    public static long ReadPerfMap(Stream stream, long from, SymbolTable.Builder builder)
    {
        stream.Position = from;
        var bytes = new byte[stream.Length - from];
        stream.ReadExactly(bytes);
        int end = Array.LastIndexOf(bytes, (byte)'\n');
        if (end < 0) return from;
        // The names stay UTF-8 in this chunk (only lines, no code bytes) until a sample needs one.
        for (int lineStart = 0; lineStart < end;)
        {
            int lineEnd = Array.IndexOf(bytes, (byte)'\n', lineStart, end - lineStart);
            if (lineEnd < 0) lineEnd = end;
            var line = bytes.AsSpan(lineStart, lineEnd - lineStart);
            int first = line.IndexOf((byte)' ');
            int second = first <= 0 ? -1 : line[(first + 1)..].IndexOf((byte)' ') + first + 1;
            if (second > first + 1 && TryHex(line[..first], out ulong start) && TryHex(line[(first + 1)..second], out ulong size))
            {
                builder.Add(start, size, bytes, lineStart + second + 1, line.Length - second - 1, rank: 1);
            }
            lineStart = lineEnd + 1;
        }
        return from + end + 1;
    }

    /// <summary>jitdump: a 40-byte header, then records {u32 id, u32 size, u64 time}; CODE_LOAD (id 0) names code.
    /// Reads what was appended since <paramref name="from"/> in one go; returns the offset after the last complete record.</summary>
    public static long ReadJitDump(Stream stream, long from, SymbolTable.Builder builder)
    {
        stream.Position = from;
        // Mostly code bytes, read and dropped at every refresh: a pooled buffer spares faulting in fresh memory.
        int appended = (int)Math.Min(stream.Length - from, int.MaxValue);
        var bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(appended);
        try
        {
            stream.ReadExactly(bytes, 0, appended);
            return from + ReadJitDumpRecords(bytes.AsSpan(0, appended), from == 0, builder);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>The CODE_LOAD records in <paramref name="span"/>; returns the length of the complete records read.</summary>
    private static int ReadJitDumpRecords(ReadOnlySpan<byte> span, bool withHeader, SymbolTable.Builder builder)
    {
        const uint Magic = 0x4A695444;
        const uint CodeLoad = 0;
        int at = 0;
        if (withHeader)
        {
            if (span.Length < 40 || BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic) return 0;
            at = (int)Math.Max(BinaryPrimitives.ReadUInt32LittleEndian(span[8..]), 40u);
        }
        // Names are copied out of the records (which also hold the code bytes) into one compact buffer.
        var names = new MemoryStream();
        var pending = new List<(ulong Address, ulong Size, int Offset, int Length)>();
        while (at + 16 <= span.Length)
        {
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(span[at..]);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 4)..]);
            if (size < 16 || size > span.Length - at) break; // damaged, or the runtime is still writing it
            if (id == CodeLoad && size >= 16 + 40)
            {
                // pid, tid, vma, code_addr, code_size, code_index, name\0, code bytes
                var body = span.Slice(at + 16, (int)size - 16);
                ulong codeAddress = BinaryPrimitives.ReadUInt64LittleEndian(body[16..]);
                ulong codeSize = BinaryPrimitives.ReadUInt64LittleEndian(body[24..]);
                var name = body[40..];
                int end = name.IndexOf((byte)0);
                if (end > 0)
                {
                    pending.Add((codeAddress, codeSize, (int)names.Length, end));
                    names.Write(name[..end]);
                }
            }
            at += (int)size;
        }
        var nameBytes = names.ToArray();
        foreach (var (address, codeSize, offset, length) in pending) builder.Add(address, codeSize, nameBytes, offset, length, rank: 0);
        return at;
    }

    private static bool TryHex(ReadOnlySpan<byte> text, out ulong value)
    {
        if (text.Length > 2 && text[0] == (byte)'0' && (text[1] | 0x20) == (byte)'x') text = text[2..];
        return System.Buffers.Text.Utf8Parser.TryParse(text, out value, out int consumed, 'x') && consumed == text.Length && text.Length > 0;
    }
}
