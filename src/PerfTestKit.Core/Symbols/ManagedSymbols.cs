using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PerfTestKit.Symbols;

/// <summary>
/// Names of JIT-compiled and ReadyToRun code of one .NET process, from the runtime's perf map
/// (/tmp/perf-PID.map) and jitdump (jit-PID.dump), looked up by absolute address. That works whether or not
/// the runtime double-maps its code (W^X), because the address is what the call chain holds.
/// </summary>
public static class ManagedSymbols
{
    /// <summary>Loads what exists of perf-PID.map and jit-PID.dump in the given directories; null when neither exists.</summary>
    public static SymbolTable? Load(int pid, IEnumerable<string> directories)
    {
        var builder = new SymbolTable.Builder();
        bool found = false;
        foreach (var directory in directories.Distinct())
        {
            string map = Path.Combine(directory, $"perf-{pid}.map");
            string dump = Path.Combine(directory, $"jit-{pid}.dump");
            found |= TryRead(map, path => ReadPerfMap(path, builder));
            found |= TryRead(dump, path => ReadJitDump(path, builder));
        }
        return found ? builder.Build() : null;
    }

    private static bool TryRead(string path, Action<string> read)
    {
        try
        {
            if (!File.Exists(path)) return false;
            read(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Lines "START SIZE name" in hex; the name may hold spaces, so split on the first two only.</summary>
    public static void ReadPerfMap(string path, SymbolTable.Builder builder)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            int first = line.IndexOf(' ');
            if (first <= 0) continue;
            int second = line.IndexOf(' ', first + 1);
            if (second <= first + 1) continue;
            if (!TryHex(line.AsSpan(0, first), out ulong start) || !TryHex(line.AsSpan(first + 1, second - first - 1), out ulong size))
            {
                continue;
            }
            builder.Add(start, size, line[(second + 1)..], rank: 1);
        }
    }

    /// <summary>jitdump: a 40-byte header, then records {u32 id, u32 size, u64 time}; CODE_LOAD (id 0) names code.</summary>
    public static void ReadJitDump(string path, SymbolTable.Builder builder)
    {
        const uint Magic = 0x4A695444;
        const uint CodeLoad = 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        Span<byte> header = stackalloc byte[40];
        if (stream.ReadAtLeast(header, 40, throwOnEndOfStream: false) < 40 || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return;
        }
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        stream.Position = Math.Max(headerSize, 40u);
        Span<byte> recordHeader = stackalloc byte[16];
        byte[] body = new byte[4096];
        while (stream.ReadAtLeast(recordHeader, 16, throwOnEndOfStream: false) == 16)
        {
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader[4..]);
            if (size < 16 || size > 64 << 20) return;
            long next = stream.Position - 16 + size;
            if (id == CodeLoad && size >= 16 + 40)
            {
                // pid, tid, vma, code_addr, code_size, code_index, name\0, code bytes
                int prefix = (int)Math.Min(size - 16, 40 + 4096);
                if (body.Length < prefix) body = new byte[prefix];
                if (stream.ReadAtLeast(body.AsSpan(0, prefix), prefix, throwOnEndOfStream: false) < prefix) return;
                ulong codeAddress = BinaryPrimitives.ReadUInt64LittleEndian(body.AsSpan(16));
                ulong codeSize = BinaryPrimitives.ReadUInt64LittleEndian(body.AsSpan(24));
                var nameBytes = body.AsSpan(40, prefix - 40);
                int end = nameBytes.IndexOf((byte)0);
                if (end > 0) builder.Add(codeAddress, codeSize, Encoding.UTF8.GetString(nameBytes[..end]), rank: 0);
            }
            if (next > stream.Length) return;
            stream.Position = next;
        }
    }

    private static bool TryHex(ReadOnlySpan<char> text, out ulong value)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) text = text[2..];
        return ulong.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
    }
}
