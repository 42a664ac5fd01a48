namespace PerfTestKit.Recording;

/// <summary>How to run `perf record`; the defaults are what naming .NET frames needs.</summary>
public sealed record PerfRecordOptions
{
    public string PerfPath { get; init; } = "perf";

    /// <summary>Samples per second (-F).</summary>
    public int Frequency { get; init; } = 999;

    /// <summary>The event (-e); software cpu-clock works in VMs where hardware counters do not.</summary>
    public string Event { get; init; } = "cpu-clock";

    public string OutputPath { get; init; } = "perf.data";

    /// <summary>Frame-pointer call chains (-g); CoreCLR's JIT code keeps frame pointers on x64.</summary>
    public bool CallGraph { get; init; } = true;

    /// <summary>Where perf sends its control acknowledgements: `--control=fifo:CTL,ACK`, when set.</summary>
    public (string Control, string Ack)? ControlFifos { get; init; }

    /// <summary>Arguments added after PerfTestKit's own.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = Array.Empty<string>();

    /// <summary>The `perf record` arguments before the target (-p PID, or -- command).</summary>
    public List<string> BuildArguments()
    {
        var args = new List<string> { "record" };
        if (CallGraph) args.Add("-g");
        // CLOCK_MONOTONIC: sample times line up with .NET's Stopwatch on Linux.
        args.AddRange(new[] { "-k", "mono", "-e", Event, "-F", Frequency.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", OutputPath });
        if (ControlFifos is { } fifos) args.Add($"--control=fifo:{fifos.Control},{fifos.Ack}");
        // PerfTestKit reads build ids from the binaries themselves. perf's own build-id work at exit (a pass over
        // the whole file, and a copy of every binary hit into ~/.debug: 338 MB after a day of test runs here) only
        // made each run end later.
        args.AddRange(new[] { "--no-buildid", "--no-buildid-cache" });
        // perf also reads every loaded BPF program's details to name BPF code; none of it is .NET's, and here it took
        // ~0.8 s of each perf record run.
        args.Add("--no-bpf-event");
        args.AddRange(ExtraArguments);
        return args;
    }
}

/// <summary>Environment variables that make a .NET process describe its code to PerfTestKit.</summary>
public static class DotNetPerfEnvironment
{
    /// <summary>
    /// PerfMapEnabled=1 writes /tmp/perf-PID.map and jit-PID.dump; StubGranularity=2 keeps .NET 10 writing the
    /// jitdump past its first records (which is where ReadyToRun methods are named).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>
    {
        ["DOTNET_PerfMapEnabled"] = "1",
        ["DOTNET_PerfMapStubGranularity"] = "2",
        // No on-stack replacement (see TestHostVariables): stacks from OSR code end in the runtime.
        ["DOTNET_TC_QuickJitForLoops"] = "0",
    };

    /// <summary>
    /// The variables a profiled test host gets: the jitdump alone (PerfMapEnabled=2: it names everything the perf
    /// map does, and its files are ours to read and delete), and W^X off (with it on, JIT code runs from a second
    /// mapping that perf cannot tie to the perf map). Writing the perf map as well delayed the sample's first test
    /// by ~90 ms (host start to first test: ~850 -> ~760 ms; ~510 ms without either file).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> TestHostVariables { get; } = new KeyValuePair<string, string>[]
    {
        new("DOTNET_PerfMapEnabled", "2"),
        new("DOTNET_PerfMapStubGranularity", "2"),
        new("DOTNET_EnableWriteXorExecute", "0"),
        // Methods with loops compiled optimized at once, not at tier 0 and then moved mid-loop to optimized code by
        // on-stack replacement: perf's frame-pointer walk from OSR code stops in the runtime's transition frame, so
        // the test method and everything above it were missing from those samples (a Release build's 50 ms test
        // showed 1 sample of its ~50).
        new("DOTNET_TC_QuickJitForLoops", "0"),
    };

    /// <summary>Removes the perf map and jitdump that <paramref name="pid"/> wrote because these variables asked it to.</summary>
    public static void RemoveFilesWrittenBy(int pid)
    {
        foreach (var file in new[] { $"/tmp/perf-{pid}.map", $"/tmp/jit-{pid}.dump", $"/tmp/perfinfo-{pid}.map" })
        {
            try { File.Delete(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }
}
