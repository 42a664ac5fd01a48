namespace PerfTestKit.Profiling;

/// <summary>
/// The profiler's temporary folders, named after the process that owns them ("perftestkit-PID-xxxx"). A run that
/// was killed (cancelled dotnet test) cannot clean up after itself; the next run removes folders whose owner is gone.
/// </summary>
public static class WorkDirectories
{
    private const string Prefix = "perftestkit-";

    /// <summary>A new folder owned by this process, after removing folders whose owner no longer runs.</summary>
    public static string Create()
    {
        RemoveOrphans();
        return Directory.CreateTempSubdirectory($"{Prefix}{Environment.ProcessId}-").FullName;
    }

    public static void RemoveOrphans()
    {
        try
        {
            foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
            {
                string name = Path.GetFileName(directory)[Prefix.Length..];
                int dash = name.IndexOf('-');
                if (dash <= 0 || !int.TryParse(name[..dash], out int owner)) continue;
                if (owner == Environment.ProcessId || Directory.Exists($"/proc/{owner}")) continue;
                try { Directory.Delete(directory, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing to tidy is not a reason to stop profiling.
        }
    }
}
