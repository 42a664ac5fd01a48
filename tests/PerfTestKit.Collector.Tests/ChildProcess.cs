using System.Diagnostics;
using System.Text;

namespace PerfTestKit.Collector.Tests;

/// <summary>What a child process printed (stdout and stderr, interleaved), its exit code and how long it ran.</summary>
public sealed record ChildProcessResult(int ExitCode, string Output, TimeSpan Elapsed);

/// <summary>Runs the nested tools these tests drive (dotnet test, dotnet pack, perf, the installed tool).</summary>
public static class ChildProcess
{
    public static ChildProcessResult Run(string file, IEnumerable<string> args, string workingDirectory,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        // The outer `dotnet test` sets variables for its own test host and points MSBuild at itself; a nested run
        // must not inherit them.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("VSTEST_", StringComparison.Ordinal) || k.StartsWith("TESTINGPLATFORM", StringComparison.Ordinal)
            || k is "DOTNET_STARTUP_HOOKS" or "PERFTESTKIT_READY_FILE" or "PERFTESTKIT_TEST_EVENTS" or "MSBuildExtensionsPath" or "MSBUILD_EXE_PATH" or "MSBuildSDKsPath").ToList())
        {
            info.Environment.Remove(key);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} timed out");
        }
        process.WaitForExit();
        lock (output) return new ChildProcessResult(process.ExitCode, output.ToString(), clock.Elapsed);
    }
}
