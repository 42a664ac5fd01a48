namespace PerfTestKit.Recording;

/// <summary>The process that started this one, read from /proc (.NET has no API for it).</summary>
public static class ParentProcess
{
    /// <summary>The parent's pid; null when /proc cannot say or the parent is init (this process was orphaned).</summary>
    public static int? Id()
    {
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted after the last ')'.
            string stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 1 && int.TryParse(fields[1], out int ppid) && ppid > 1 ? ppid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
