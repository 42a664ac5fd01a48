using System.Security.Cryptography;

namespace PerfTestKit.Symbols;

/// <summary>
/// The kernel takes about 90 ms to generate /proc/kallsyms, on every conversion. Its content only changes with a
/// reboot or a module (un)load, so a copy is kept in the user's cache folder (mode 0700), named after the boot id
/// and a hash of /proc/modules, with the table parsed from it next to it (parsing 100,000 lines was most of the
/// rest). One instance stands for this boot's files: their name is worked out (boot id, modules hash) once.
/// </summary>
internal sealed class KallsymsCache
{
    // Versioned: an index written before aliases were settled as perf settles them (one name an address) is not read.
    private const string IndexSuffix = ".v2.index";

    /// <summary>The index file starts with the length of the text it was parsed from.</summary>
    public const int IndexHeaderSize = 8;

    private readonly string _path;

    private KallsymsCache(string path) => _path = path;

    /// <summary>The cache for the running kernel and its modules; null where there is none (not Linux, no boot id).</summary>
    public static KallsymsCache? ForThisBoot()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            string boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            // A kernel built without modules has no /proc/modules.
            string modules = File.Exists("/proc/modules") ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes("/proc/modules")))[..16] : "static";
            string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return new KallsymsCache(Path.Combine(root, "perftestkit", $"kallsyms-{boot}-{modules}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The cached text, opened for reading names from (a table built from it reads them on demand).</summary>
    public Microsoft.Win32.SafeHandles.SafeFileHandle? TryOpenText()
    {
        try
        {
            return File.Exists(_path) ? File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The parsed table (after its <see cref="IndexHeaderSize"/>-byte header), when it was made from a text of that length.</summary>
    public byte[]? TryReadIndex(int textLength) =>
        TryRead(_path + IndexSuffix) is { Length: >= IndexHeaderSize } bytes && BitConverter.ToInt64(bytes) == textLength ? bytes : null;

    public void WriteText(byte[] kallsyms)
    {
        if (!OperatingSystem.IsLinux()) return; // always true here (see ForThisBoot); the analyzer needs to see it
        try
        {
            string directory = Path.GetDirectoryName(_path)!;
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            foreach (var old in Directory.GetFiles(directory, "kallsyms-*")) File.Delete(old);
            WriteAtomically(_path, kallsyms);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No cache: the next conversion reads /proc/kallsyms again.
        }
    }

    public void WriteIndex(int textLength, byte[] index)
    {
        try
        {
            if (!File.Exists(_path)) return;
            WriteAtomically(_path + IndexSuffix, [.. BitConverter.GetBytes((long)textLength), .. index]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No index: the next conversion parses the text again.
        }
    }

    private static byte[]? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string temporary = path + $".{Environment.ProcessId}";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
