namespace PerfTestKit.Tests.Support;

/// <summary>
/// Real recordings made once per test run with the real perf: a native C workload (file and pipe mode)
/// and the .NET HotLoop workload with the runtime's defaults (W^X on).
/// </summary>
public static class Recordings
{
    private static readonly Lazy<string> NativeBinaryLazy = new(BuildNativeWorkload);
    private static readonly Lazy<string> NativeFileLazy = new(() => RecordNative("native.data", pipe: false, 600));
    private static readonly Lazy<string> NativePipeLazy = new(() => RecordNative("native-pipe.data", pipe: true, 600));
    private static readonly Lazy<string> ShortNativeFileLazy = new(() => RecordNative("short-native.data", pipe: false, 100));
    private static readonly Lazy<string> ShortNativePipeLazy = new(() => RecordNative("short-native-pipe.data", pipe: true, 100));
    private static readonly Lazy<(string Path, int Pid)> DotNetLazy = new(RecordDotNet);
    private static readonly Dictionary<string, string> ByEvents = new();

    /// <summary>
    /// The C workload (300 ms) recorded with extra perf record arguments (e.g. no -g, --call-graph dwarf, -a);
    /// returns the output path, or the files --switch-output made next to it.
    /// </summary>
    public static string NativeWith(string name, params string[] perfArgs)
    {
        lock (ByEvents)
        {
            if (ByEvents.TryGetValue(name, out var path)) return path;
            string dir = System.IO.Path.Combine(Directory, "compat-" + name);
            System.IO.Directory.CreateDirectory(dir);
            path = System.IO.Path.Combine(dir, "perf.data");
            var args = new List<string> { "record", "-q", "-k", "mono", "-F", "499", "-o", path };
            args.AddRange(perfArgs);
            args.AddRange(new[] { "--", NativeBinary, "300" });
            var result = ProcessRunner.Run("perf", args);
            Assert.That(result.ExitCode, Is.EqualTo(0), $"perf record {string.Join(' ', perfArgs)} failed: {result.StandardError}");
            return ByEvents[name] = path;
        }
    }

    /// <summary>The C workload recorded with the given -e argument (e.g. two events, or a leader-sampled group that reads counters).</summary>
    public static string NativeWithEvents(string events)
    {
        lock (ByEvents)
        {
            if (ByEvents.TryGetValue(events, out var path)) return path;
            path = System.IO.Path.Combine(Directory, $"native-events-{ByEvents.Count}.data");
            var result = ProcessRunner.Run("perf", new[] { "record", "-q", "-g", "-k", "mono", "-e", events, "-F", "499", "-o", path, "--", NativeBinary, "300" });
            Assert.That(result.ExitCode, Is.EqualTo(0), $"perf record -e {events} failed: {result.StandardError}");
            return ByEvents[events] = path;
        }
    }

    public static string Directory { get; } = System.IO.Directory.CreateDirectory(
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"perftestkit-tests-{Environment.ProcessId}")).FullName;

    /// <summary>The C workload (hot functions leaf_add and leaf_mul, write() syscalls), built with frame pointers.</summary>
    public static string NativeBinary => NativeBinaryLazy.Value;

    /// <summary>perf record -g -k mono -e cpu-clock of the C workload, file mode.</summary>
    public static string NativeFile => NativeFileLazy.Value;

    /// <summary>The same recording made through a pipe (perf record -o -).</summary>
    public static string NativePipe => NativePipeLazy.Value;

    /// <summary>The C workload for 100 ms (about 100 samples), file mode: small inputs for tests that read thousands of variants.</summary>
    public static string ShortNativeFile => ShortNativeFileLazy.Value;

    /// <summary>The 100 ms recording made through a pipe.</summary>
    public static string ShortNativePipe => ShortNativePipeLazy.Value;

    /// <summary>The .NET HotLoop workload (hot method HotLoop.Burner::SpinPrimes) with DOTNET_PerfMapEnabled=1.</summary>
    public static string DotNet => DotNetLazy.Value.Path;

    public static int DotNetPid => DotNetLazy.Value.Pid;

    /// <summary>Removes the recordings and the perf maps the .NET workload left in /tmp.</summary>
    public static void RemoveEverything()
    {
        if (DotNetLazy.IsValueCreated)
        {
            foreach (var file in new[] { $"/tmp/perf-{DotNetPid}.map", $"/tmp/jit-{DotNetPid}.dump", $"/tmp/perfinfo-{DotNetPid}.map" })
            {
                File.Delete(file);
            }
        }
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    private static string BuildNativeWorkload()
    {
        string output = System.IO.Path.Combine(Directory, "spin");
        var result = ProcessRunner.Run("cc", new[] { "-O0", "-g", "-fno-omit-frame-pointer", "-fno-inline", "-o", output,
            Repository.Path("tests", "Workloads", "native", "spin.c") });
        Assert.That(result.ExitCode, Is.EqualTo(0), $"cc failed: {result.StandardError}");
        return output;
    }

    private static string RecordNative(string name, bool pipe, int milliseconds)
    {
        string output = System.IO.Path.Combine(Directory, name);
        var args = new List<string> { "record", "-q", "-g", "-k", "mono", "-e", "cpu-clock", "-F", "999", "-o", pipe ? "-" : output,
            "--", NativeBinary, milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (pipe)
        {
            using var file = File.Create(output);
            var piped = ProcessRunner.Run("perf", args, standardOutputSink: file);
            Assert.That(piped.ExitCode, Is.EqualTo(0), $"perf record (pipe) failed: {piped.StandardError}");
            return output;
        }
        var result = ProcessRunner.Run("perf", args);
        Assert.That(result.ExitCode, Is.EqualTo(0), $"perf record failed: {result.StandardError}");
        return output;
    }

    private static (string, int) RecordDotNet()
    {
        string output = System.IO.Path.Combine(Directory, "dotnet.data");
        string app = Repository.Path("tests", "Workloads", "HotLoop", "bin", Repository.Configuration, "net10.0", "HotLoop.dll");
        Assert.That(File.Exists(app), Is.True, $"the HotLoop workload was not built at {app}");
        var env = new Dictionary<string, string>
        {
            ["DOTNET_PerfMapEnabled"] = "1",
            ["DOTNET_PerfMapStubGranularity"] = "2",
        };
        var result = ProcessRunner.Run("perf", new[] { "record", "-q", "-g", "-k", "mono", "-e", "cpu-clock", "-F", "999", "-o", output,
            "--", "dotnet", app, "1500" }, env);
        Assert.That(result.ExitCode, Is.EqualTo(0), $"perf record of HotLoop failed: {result.StandardError}");
        int pid = FindPid(output);
        return (output, pid);
    }

    /// <summary>The pid of the process that wrote a perf map during the recording (the dotnet host).</summary>
    private static int FindPid(string perfData)
    {
        var profile = PerfTestKit.Model.ProfileLoader.Load(perfData);
        var pids = Enumerable.Range(0, profile.SampleCount).Select(i => profile.SampleThread(i).Pid).Distinct();
        return pids.First(p => File.Exists($"/tmp/perf-{p}.map"));
    }
}
