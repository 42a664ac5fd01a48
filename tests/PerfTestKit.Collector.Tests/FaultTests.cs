using System.Diagnostics;
using PerfTestKit.Profiling;

namespace PerfTestKit.Collector.Tests;

/// <summary>Faults during a profiled run: the run reports them as it would without PerfTestKit, and nothing is left behind.</summary>
public class FaultTests
{
    [Test]
    public void A_test_that_kills_its_host_is_reported_and_the_tests_that_finished_keep_their_profiles()
    {
        string project = SampleTestProjects.Create("CrashSample", "nunit", perfProfileProperty: false,
            "[NUnit.Framework.Test] public void Z_kills_the_host() { HotAlpha(300); System.Environment.FailFast(\"deliberate crash\"); }");
        var before = PerfProcesses();
        var run = SampleTestProjects.DotnetTest(project, new[] { "--collect:PerfProfile" });
        Assert.That(run.ExitCode, Is.Not.EqualTo(0), "the crash fails the run, as without profiling");
        Assert.That(run.Output, Does.Contain("crash").IgnoreCase.Or.Contain("aborted").IgnoreCase);
        // VSTest drops the crashed run's results from the TRX (NUnit had not reported them yet), but the files of the
        // tests the host reported ended are there, and the run's index lists them.
        var flameGraphs = Directory.GetFiles(run.ResultsDirectory, "*.flamegraph.html", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/In/", StringComparison.Ordinal)).ToList();
        Assert.That(flameGraphs, Is.Not.Empty, "the tests that finished before the crash keep their profiles");
        foreach (var file in flameGraphs)
        {
            string mine = file.Contains("Uses_beta", StringComparison.Ordinal) ? "HotTests::HotBeta(int32)" : "HotTests::HotAlpha(int32)";
            Assert.That(TrxReport.FlameGraphFrames(file), Does.Contain(mine), file);
        }
        var folder = RunFolder.LoadSingle(run.ResultsDirectory);
        Assert.That(File.ReadAllText(folder.File("index.html")), Does.Contain(Path.GetFileName(flameGraphs[0])));
        // The test that crashed never reported its end: its start bounds its samples, and it is marked as aborted.
        var crashed = folder.Rows.Single(r => r.Name.Contains("Z_kills_the_host", StringComparison.Ordinal));
        Assert.That(crashed.Outcome, Is.EqualTo("Aborted"));
        Assert.That(crashed.Samples, Is.GreaterThanOrEqualTo(100), "its 300 ms in HotAlpha before the crash");
        Assert.That(TrxReport.FlameGraphFrames(crashed.Files.Single(f => f.EndsWith(".flamegraph.html", StringComparison.Ordinal))), Does.Contain("HotTests::HotAlpha(int32)"));
        Assert.That(WaitUntil(() => PerfProcesses().Except(before).Count() == 0, TimeSpan.FromSeconds(60)), Is.True, "perf stopped");
    }

    /// <summary>
    /// An exception of a type nothing in PerfTestKit expects, thrown at a test's end in each front end's handler
    /// (PERFTESTKIT_FAULT): the tests all pass, the run is green, and the problem is one warning.
    /// </summary>
    [TestCase("vstest", FaultInjection.HostTestEnd, "the test host could not report every test (a test's end: InjectedFaultException")]
    [TestCase("vstest-attach", FaultInjection.CollectorTestEnd, "profiling failed at a test's end: fault injected at collector-test-end")]
    [TestCase("mtp", FaultInjection.HostTestEnd, "the test host could not report every test (a test's update: InjectedFaultException")]
    public void An_exception_at_a_tests_end_in_a_front_end_leaves_the_run_green_with_one_warning(string frontEnd, string point, string warning)
    {
        var environment = new Dictionary<string, string> { [FaultInjection.Variable] = point };
        string output;
        if (frontEnd == "mtp")
        {
            string project = SampleTestProjects.Create("FaultOnPlatform", "nunit-mtp", perfProfileProperty: true);
            var (run, artifacts) = SampleTestProjects.DotnetTestOnTestingPlatform(project, Array.Empty<string>(), environment);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
            Assert.That(run.Output, Does.Contain("succeeded: 2"));
            // `dotnet test` shows a platform application's artifacts, not what its extensions display: the warning's file.
            output = string.Concat(artifacts.Where(a => Path.GetFileName(a) == "PerfProfile-warning.txt").Select(File.ReadAllText));
        }
        else
        {
            string project = SampleTestProjects.Create(frontEnd == "vstest" ? "FaultInHost" : "FaultInCollector", "nunit", perfProfileProperty: false);
            var args = frontEnd == "vstest" ? new[] { "--collect:PerfProfile" } : new[] { "--collect:PerfProfile", "-p:PerfProfileAttachToResults=true" };
            var run = SampleTestProjects.DotnetTest(project, args, environment);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
            Assert.That(run.Output, Does.Contain("Passed!").And.Contain("Passed:     2"));
            output = run.Output;
        }
        var lines = output.Split('\n').Where(l => l.Contains("fault injected at", StringComparison.Ordinal) || l.Contains("InjectedFaultException", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Has.Count.EqualTo(1), output);
        Assert.That(lines[0], Does.Contain("PerfProfile: " + warning));
    }

    [Test]
    public void Cancelling_dotnet_test_leaves_no_perf_process_and_its_folder_goes_with_the_next_run()
    {
        string project = SampleTestProjects.Create("CancelSample", "nunit", perfProfileProperty: false,
            "[NUnit.Framework.Test] public void Z_runs_long() { System.IO.File.WriteAllText(System.IO.Path.Combine(System.AppContext.BaseDirectory, \"z-running\"), \"\"); HotAlpha(60_000); }");
        string running = Path.Combine(project, "bin", "Debug", "net10.0", "z-running");
        var build = SampleTestProjects.DotnetTest(project, new[] { "--collect:PerfProfile", "--filter", "Name=Uses_beta" });
        Assert.That(build.ExitCode, Is.EqualTo(0), build.Output);
        var before = PerfProcesses();
        var foldersBefore = WorkFolders();
        File.Delete(running);

        // With SIGINT at its default whatever this test run inherited (a run started in the background from a script
        // has it ignored, and so would dotnet test).
        var info = new ProcessStartInfo("env") { WorkingDirectory = project, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", "test", "--no-build", "--collect:PerfProfile", "--filter", "Name=Z_runs_long" }) info.ArgumentList.Add(a);
        using var dotnetTest = Process.Start(info)!;
        dotnetTest.OutputDataReceived += (_, _) => { };
        dotnetTest.ErrorDataReceived += (_, _) => { };
        dotnetTest.BeginOutputReadLine();
        dotnetTest.BeginErrorReadLine();
        Assert.That(WaitUntil(() => PerfProcesses().Except(before).Any(), TimeSpan.FromSeconds(120)), Is.True, "perf started");
        // Cancel while the test runs (not while the host starts, which a busy machine can make last seconds).
        Assert.That(WaitUntil(() => File.Exists(running), TimeSpan.FromSeconds(120)), Is.True, "the long test started");
        // This run's work folders: those of a collector under this dotnet test (other runs on the machine have theirs).
        var leftBehind = WorkFolders().Except(foldersBefore).Where(f => int.TryParse(Owner(f), out int owner) && DescendsFrom(owner, dotnetTest.Id)).ToList();
        Assert.That(leftBehind, Is.Not.Empty, "this run's collector has its work folder");
        Process.Start("kill", new[] { "-INT", dotnetTest.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!.WaitForExit();
        Assert.That(dotnetTest.WaitForExit(TimeSpan.FromSeconds(60)), Is.True, "dotnet test stops on SIGINT");
        Assert.That(WaitUntil(() => !PerfProcesses().Except(before).Any(), TimeSpan.FromSeconds(30)), Is.True,
            "no perf process is left: " + string.Join(", ", PerfProcesses().Except(before)));
        // The cancelled collector is killed before it can tidy up (it may take a moment to go); the next profiled
        // run removes the folder of a collector that is gone, and only then.
        Assert.That(WaitUntil(() => leftBehind.All(f => !Directory.Exists($"/proc/{Owner(f)}")), TimeSpan.FromSeconds(30)), Is.True,
            "the cancelled run's collector exits: " + string.Join(", ", leftBehind));
        var next = SampleTestProjects.DotnetTest(project, new[] { "--no-build", "--collect:PerfProfile", "--filter", "Name=Uses_beta" });
        Assert.That(next.ExitCode, Is.EqualTo(0), next.Output);
        Assert.That(leftBehind.Where(Directory.Exists), Is.Empty, "no work folder is left once the next run has started");
    }

    /// <summary>Whether a process is <paramref name="ancestor"/> or runs under it (parent links in /proc).</summary>
    private static bool DescendsFrom(int pid, int ancestor)
    {
        for (int at = pid, steps = 0; at > 1 && steps < 64; steps++)
        {
            if (at == ancestor) return true;
            try
            {
                // "pid (comm) state ppid ...": the name may hold spaces, so read after its closing parenthesis.
                string stat = File.ReadAllText($"/proc/{at}/stat");
                at = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                return false;
            }
        }
        return false;
    }

    private static string Owner(string workFolder) => Path.GetFileName(workFolder)["perftestkit-".Length..].Split('-')[0];

    /// <summary>The collector's temporary folders (perftestkit-PID-xxxx).</summary>
    private static HashSet<string> WorkFolders() => Directory.GetDirectories(Path.GetTempPath(), "perftestkit-*")
        .Where(d => char.IsDigit(Path.GetFileName(d)["perftestkit-".Length])).ToHashSet();

    [Test]
    public void Two_test_projects_run_together_get_their_own_recordings_and_profiles()
    {
        string first = SampleTestProjects.Create("FirstOfTwo", "nunit", perfProfileProperty: false);
        string second = SampleTestProjects.Create("SecondOfTwo", "xunit", perfProfileProperty: false);
        string solution = Path.Combine(SampleTestProjects.Root, "Both");
        Directory.CreateDirectory(solution);
        foreach (var command in new[] { new[] { "new", "sln", "-n", "Both", "--format", "sln" },
                     new[] { "sln", "Both.sln", "add", Path.Combine(first, "FirstOfTwo.csproj"), Path.Combine(second, "SecondOfTwo.csproj") } })
        {
            var setup = Process.Start(new ProcessStartInfo("dotnet", command) { WorkingDirectory = solution })!;
            setup.WaitForExit();
            Assert.That(setup.ExitCode, Is.EqualTo(0));
        }
        var run = SampleTestProjects.DotnetTest(solution, new[] { "--collect:PerfProfile" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        var trxFiles = Directory.GetFiles(run.ResultsDirectory, "*.trx");
        Assert.That(trxFiles, Has.Length.EqualTo(2), "one TRX per project");
        var folders = RunFolder.LoadAll(run.ResultsDirectory);
        Assert.That(folders, Has.Count.EqualTo(2), "one run folder per project");
        Assert.That(folders.Select(f => f.Rows.Count), Is.EqualTo(new[] { 2, 2 }), "each with its project's two tests");
        var flameGraphs = Directory.GetFiles(run.ResultsDirectory, "*.flamegraph.html", SearchOption.AllDirectories).Where(f => !f.Contains("/In/", StringComparison.Ordinal)).ToList();
        Assert.That(flameGraphs, Has.Count.EqualTo(4), "two tests in each project");
        AssertEachTestHasItsOwnHotMethod(flameGraphs);

        // The same two assemblies in one vstest.console: it starts a host and a collector for each, and each
        // collector attaches perf to its own host (perf on vstest.console would record both hosts twice).
        string trace = Path.Combine(SampleTestProjects.Root, "two-sources.trace");
        string adapter = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "perftestkit", SampleTestProjects.Version, "build", "net8.0");
        var both = SampleTestProjects.DotnetTest(solution, new[]
        {
            Path.Combine(first, "bin", "Debug", "net10.0", "FirstOfTwo.dll"), Path.Combine(second, "bin", "Debug", "net10.0", "SecondOfTwo.dll"),
            "--collect:PerfProfile", "--test-adapter-path", adapter,
        }, new Dictionary<string, string> { ["PERFTESTKIT_TRACE"] = trace });
        Assert.That(both.ExitCode, Is.EqualTo(0), both.Output);
        string traced = File.ReadAllText(trace);
        Assert.That(traced, Does.Contain("2 test sources: perf will attach"), traced);
        Assert.That(traced, Does.Not.Contain("perf on the launcher records"), traced);
        var bothGraphs = Directory.GetFiles(both.ResultsDirectory, "*.flamegraph.html", SearchOption.AllDirectories).Where(f => !f.Contains("/In/", StringComparison.Ordinal)).ToList();
        Assert.That(bothGraphs, Has.Count.EqualTo(4), "two tests in each assembly");
        AssertEachTestHasItsOwnHotMethod(bothGraphs);
    }

    private static void AssertEachTestHasItsOwnHotMethod(IEnumerable<string> flameGraphs)
    {
        foreach (var file in flameGraphs)
        {
            var frames = TrxReport.FlameGraphFrames(file);
            bool alpha = file.Contains("Uses_alpha", StringComparison.Ordinal);
            Assert.That(frames, Does.Contain(alpha ? "HotTests::HotAlpha(int32)" : "HotTests::HotBeta(int32)"), file);
            Assert.That(frames, Does.Not.Contain(alpha ? "HotTests::HotBeta(int32)" : "HotTests::HotAlpha(int32)"), file);
        }
    }

    [Test]
    public void A_long_test_keeps_the_collectors_memory_flat_and_loses_nothing_perf_did_not()
    {
        string project = SampleTestProjects.Create("LongSample", "nunit", perfProfileProperty: false,
            "[NUnit.Framework.Test] public void Z_runs_long() => HotAlpha(90_000);");
        File.WriteAllText(Path.Combine(project, "keep.runsettings"),
            "<RunSettings><DataCollectionRunSettings><DataCollectors><DataCollector friendlyName=\"PerfProfile\">" +
            "<Configuration><KeepPerfData>true</KeepPerfData></Configuration></DataCollector></DataCollectors></DataCollectionRunSettings></RunSettings>");
        var rss = new List<(double Seconds, long Kb)>();
        var clock = Stopwatch.StartNew();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                if (CollectorRssKb() is { } kb) lock (rss) rss.Add((clock.Elapsed.TotalSeconds, kb));
                await Task.Delay(2000);
            }
        });
        var run = SampleTestProjects.DotnetTest(project, new[] { "--collect:PerfProfile", "--settings", "keep.runsettings", "--filter", "Name=Z_runs_long" });
        double ended = clock.Elapsed.TotalSeconds;
        sampling.Cancel();
        sampler.Wait();
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);

        List<(double Seconds, long Kb)> during;
        lock (rss) during = rss.ToList();
        TestContext.Out.WriteLine("collector RSS (s:KB): " + string.Join(" ", during.Select(r => $"{r.Seconds:F0}:{r.Kb}")));
        // While the test runs: the last 50 s before the session's end reads the whole recording (the 90 s test is
        // still running then). Counted back from the end, not forward from the collector's start: on a busy machine
        // its start-up (reading the host's start, the first JIT) went on for 40 s and its growth is not the test's.
        Assert.That(during, Is.Not.Empty, "the collector process was seen");
        var steady = during.Where(r => r.Seconds > ended - 70 && r.Seconds < ended - 20).ToList();
        Assert.That(steady.Count, Is.GreaterThan(10), "the collector was watched during the long test");
        Assert.That(steady.Max(r => r.Kb) - steady.Min(r => r.Kb), Is.LessThan(64 * 1024), "memory stays flat while the test runs");

        string summary = Directory.GetFiles(run.ResultsDirectory, "perftestkit-summary.json", SearchOption.AllDirectories).First(f => !f.Contains("/In/", StringComparison.Ordinal));
        string perfData = Directory.GetFiles(run.ResultsDirectory, "perf.data", SearchOption.AllDirectories).First(f => !f.Contains("/In/", StringComparison.Ordinal));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(summary));
        var info = doc.RootElement.GetProperty("summary");
        var stats = Process.Start(new ProcessStartInfo("perf", new[] { "report", "-i", perfData, "--stats" }) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string statsText = stats.StandardOutput.ReadToEnd();
        stats.WaitForExit();
        long PerfCount(string name) => statsText.Split('\n').Where(l => l.TrimStart().StartsWith(name, StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        // perf also recorded vstest.console (it follows the host from its launch): the test host is the process
        // that ran the 90 s test, by far the most samples.
        var script = Process.Start(new ProcessStartInfo("perf", new[] { "script", "-i", perfData, "-F", "pid,time" }) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        // "  1234 56789.123456:" per sample.
        var samples = script.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (Pid: f[0], Seconds: double.Parse(f[1].TrimEnd(':'), System.Globalization.CultureInfo.InvariantCulture))).ToList();
        script.WaitForExit();
        var samplesByPid = samples.GroupBy(s => s.Pid).ToDictionary(g => g.Key, g => (long)g.Count());
        long hostSamples = samplesByPid.Values.Max();
        string hostPid = samplesByPid.MaxBy(p => p.Value).Key;
        TestContext.Out.WriteLine($"samples: ours {info.GetProperty("samples").GetInt64()}, perf {PerfCount("SAMPLE events")} ({string.Join(", ", samplesByPid.Select(p => $"pid {p.Key}: {p.Value}"))}); " +
            $"lost: ours {info.GetProperty("lost").GetInt64()}, perf {PerfCount("LOST events")}");
        Assert.That(samplesByPid.Values.Sum(), Is.EqualTo(PerfCount("SAMPLE events")), "perf script saw every sample");
        Assert.That(info.GetProperty("samples").GetInt64(), Is.EqualTo(hostSamples), "every sample perf wrote of the test host was read");
        Assert.That(info.GetProperty("lost").GetInt64(), Is.GreaterThanOrEqualTo(PerfCount("LOST events")), "the lost count is shown");
        // How many samples 90 s make depends on the CPU the machine gave the host (32,542 with other work beside it),
        // and so does the share of the host's start-up (12% on a very busy machine): what does not is that the test,
        // run alone, holds every sample of the host in its time. perf's own times say how many that is: the most host
        // samples any span of the test's duration holds.
        var test = doc.RootElement.GetProperty("tests")[0];
        double duration = test.GetProperty("durationMs").GetDouble() / 1000;
        var hostTimes = samples.Where(s => s.Pid == hostPid).Select(s => s.Seconds).Order().ToList();
        int inSpan = 0;
        for (int first = 0, last = 0; first < hostTimes.Count; first++)
        {
            while (last < hostTimes.Count && hostTimes[last] <= hostTimes[first] + duration + 1e-6) last++;
            inSpan = Math.Max(inSpan, last - first);
        }
        TestContext.Out.WriteLine($"test: {test.GetProperty("samples").GetInt32()} samples in {duration:F3} s; the host's most in such a span: {inSpan}");
        Assert.That(test.GetProperty("samples").GetInt32(), Is.GreaterThanOrEqualTo(inSpan * 99 / 100).And.LessThanOrEqualTo(inSpan),
            "the test holds every sample of the host in its time");
        Assert.That(test.GetProperty("hottest")[0].GetProperty("name").GetString(), Does.Contain("HotAlpha"), "and they are in the test's method");
    }

    /// <summary>Resident memory of the VSTest datacollector process, if one runs.</summary>
    private static long? CollectorRssKb()
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("datacollector.dll", StringComparison.Ordinal)) continue;
                string? line = File.ReadLines(Path.Combine(dir, "status")).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is not null) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return null;
    }

    /// <summary>
    /// perf record processes that PerfTestKit's collector started (they write into its work folder,
    /// perftestkit-PID-xxxx; the Core tests' own recordings, in perftestkit-tests-PID, may run at the same time).
    /// </summary>
    private static readonly System.Text.RegularExpressions.Regex CollectorWorkFolder = new(@"perftestkit-[0-9]+-");

    private static HashSet<int> PerfProcesses()
    {
        var found = new HashSet<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("perf record", StringComparison.Ordinal) && CollectorWorkFolder.IsMatch(cmdline)) found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    private static bool WaitUntil(Func<bool> condition, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(15)))
        {
            if (condition()) return true;
            Thread.Sleep(100);
        }
        return condition();
    }
}
