using System.Globalization;

namespace PerfTestKit.Symbols;

/// <summary>
/// The kernel's vDSO has no file: like perf, read the copy mapped into this process (the same image for every
/// process on the running kernel) and parse it as ELF.
/// </summary>
internal static class VdsoImage
{
    public const string MappingName = "[vdso]";

    public static ElfImage? Load()
    {
        try
        {
            var line = File.ReadLines("/proc/self/maps").FirstOrDefault(l => l.EndsWith(MappingName, StringComparison.Ordinal));
            if (line is null) return null;
            var range = line[..line.IndexOf(' ')].Split('-');
            long start = long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            long end = long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (end <= start || end - start > 1 << 20) return null;
            var bytes = new byte[end - start];
            using (var memory = new FileStream("/proc/self/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
            {
                memory.Position = start;
                memory.ReadExactly(bytes);
            }
            return ElfImage.Load(new MemoryStream(bytes, writable: false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }
}
