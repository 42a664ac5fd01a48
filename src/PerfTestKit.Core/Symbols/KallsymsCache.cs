using System.Security.Cryptography;

namespace PerfTestKit.Symbols;

/// <summary>
/// The kernel takes about 90 ms to generate /proc/kallsyms, on every conversion. Its content only changes with a
/// reboot or a module (un)load, so a copy is kept in the user's cache folder (mode 0700), named after the boot id
/// and a hash of /proc/modules.
/// </summary>
internal static class KallsymsCache
{
    public static byte[]? TryRead()
    {
        try
        {
            string? path = CachePath();
            return path is not null && File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The parsed table saved next to the text (after an 8-byte header: the text's length), when it was made from a
    /// text of that length.
    /// </summary>
    public static byte[]? TryReadIndex(int textLength)
    {
        try
        {
            string? path = CachePath();
            if (path is null || !File.Exists(path + IndexSuffix)) return null;
            var bytes = File.ReadAllBytes(path + IndexSuffix);
            return bytes.Length >= 8 && BitConverter.ToInt64(bytes) == textLength ? bytes : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void WriteIndex(int textLength, byte[] index)
    {
        try
        {
            string? path = CachePath();
            if (path is null || !File.Exists(path)) return;
            string temporary = path + IndexSuffix + $".{Environment.ProcessId}";
            using (var file = File.Create(temporary))
            {
                file.Write(BitConverter.GetBytes((long)textLength));
                file.Write(index);
            }
            File.Move(temporary, path + IndexSuffix, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No index: the next conversion parses the text again.
        }
    }

    private const string IndexSuffix = ".index";
    public const int IndexHeaderSize = 8;

    public static void Write(byte[] kallsyms)
    {
        try
        {
            string? path = CachePath();
            if (path is null || !OperatingSystem.IsLinux()) return;
            string directory = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            foreach (var old in Directory.GetFiles(directory, "kallsyms-*")) File.Delete(old);
            string temporary = path + $".{Environment.ProcessId}";
            File.WriteAllBytes(temporary, kallsyms);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No cache: the next conversion reads /proc/kallsyms again.
        }
    }

    private static string? CachePath()
    {
        if (!OperatingSystem.IsLinux()) return null;
        string boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        // A kernel built without modules has no /proc/modules.
        string modules = File.Exists("/proc/modules") ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes("/proc/modules")))[..16] : "static";
        string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "perftestkit", $"kallsyms-{boot}-{modules}");
    }
}
