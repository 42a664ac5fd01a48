using CliWrap;
using CliWrap.Buffered;

namespace PerfTestKit.Recording;

/// <summary>Whether `perf record` can run here, and if not, why and what to do.</summary>
public sealed record PerfAvailability(bool IsAvailable, string Message);

/// <summary>Checks, before any test runs, that perf exists and may record (BenchmarkDotNet validates the same way).</summary>
public static class PerfProbe
{
    public static async Task<PerfAvailability> CheckAsync(string perfPath = "perf", CancellationToken cancellation = default)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new PerfAvailability(false, "perf profiling needs Linux; this is " + System.Runtime.InteropServices.RuntimeInformation.OSDescription);
        }
        string? resolved = ResolveExecutable(perfPath);
        if (resolved is null)
        {
            return new PerfAvailability(false, $"'{perfPath}' was not found on PATH; fix: sudo apt-get install linux-perf (Debian), or linux-tools-$(uname -r) (Ubuntu)");
        }
        try
        {
            // perf stat opens the same kind of event as perf record would, in 20 ms rather than a second
            // (perf record synthesises the whole kernel's maps even for `true`).
            var result = await Cli.Wrap(resolved)
                .WithArguments(new[] { "stat", "-e", "cpu-clock", "-x", ",", "-o", "/dev/null", "--", "true" })
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellation);
            if (result.ExitCode == 0) return new PerfAvailability(true, $"perf at {resolved} can record");
            // The fix first, in one line; perf's own explanation (15 lines, the fix at its end) in a file named here.
            string paranoid = ReadParanoid();
            string? log = WriteLog(result.StandardError);
            return new PerfAvailability(false,
                $"perf may not record here (kernel.perf_event_paranoid={paranoid}, exit {result.ExitCode}); fix: sudo sysctl kernel.perf_event_paranoid=1, or run as root" +
                (log is null ? $". perf said: {FirstLine(result.StandardError)}" : $". perf's own message: {log}"));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return new PerfAvailability(false, $"perf could not be started: {e.Message}");
        }
    }

    /// <summary>The full path of an executable name on PATH, or the path itself if it names a file; null if absent.</summary>
    public static string? ResolveExecutable(string name)
    {
        if (name.Contains('/')) return File.Exists(name) ? Path.GetFullPath(name) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static string FirstLine(string text) => text.Trim().Split('\n')[0].Trim();

    /// <summary>perf's message, kept in a file of its own; null when it cannot be written.</summary>
    private static string? WriteLog(string text)
    {
        try
        {
            string path = Path.Combine(Path.GetTempPath(), $"perftestkit-perf-{Environment.ProcessId}.log");
            File.WriteAllText(path, text);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string ReadParanoid()
    {
        try { return File.ReadAllText("/proc/sys/kernel/perf_event_paranoid").Trim(); }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }
}
